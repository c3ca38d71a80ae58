/*
 * main.c - faxsnmpbench: the stack, the GETBULK walks (RFC 3416 4.2.3)
 * and the SET timing.  See faxsnmpbench.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <faxgw/admin.h>

#include "faxsnmpbench.h"
#include "fgwx_number.h"

#ifndef FAXGW_BUILD_DIR
#define FAXGW_BUILD_DIR "build"
#endif

#define SB_SIF "{92041a90-9af2-11d0-abf7-00c04fd91a4e}"
#define SB_READY_SECS 90
#define SB_MAX_CHILDREN 4

struct sb_opts {
	const char *build;
	unsigned ports, rounds, sets, maxrep;
	int keep;
};

static struct {
	char dir[64];
	char faxsock[128], axsock[128];
	unsigned udp;
	pid_t kids[SB_MAX_CHILDREN];
	size_t nkids;
} sb;

static double sb_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sb_usage(FILE *out)
{
	fprintf(out, "usage: faxsnmpbench [-B BUILD_DIR] [-p PORTS] [-r ROUNDS] [-s SETS] "
		     "[-m MAXREP] [-k]\n"
		     "  -B  where faxgwd, faxgw-agent and routing/ are (default %s)\n"
		     "  -p  ports in faxgwd's configuration (500); rows = ports x %d methods\n"
		     "  -r  GETBULK walks of each table (5)\n"
		     "  -s  timed SETs (200)\n"
		     "  -m  GETBULK max-repetitions (25)\n"
		     "  -k  keep the temporary directory\n",
		FAXGW_BUILD_DIR, SB_METHODS);
}

/* --- processes --------------------------------------------------------------------- */

static void sb_stop_all(void)
{
	for (size_t i = sb.nkids; i > 0; i--) {
		kill(sb.kids[i - 1], SIGTERM);
		waitpid(sb.kids[i - 1], NULL, 0);
	}
	sb.nkids = 0;
}

/* Starts argv with stdout and stderr to LOG (in the work directory);
 * it dies with us. */
static int sb_spawn(char *const argv[], const char *log, const char *persist)
{
	pid_t pid;

	if (sb.nkids == SB_MAX_CHILDREN)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char path[160];
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		snprintf(path, sizeof(path), "%s/%s", sb.dir, log);
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (persist != NULL)
			setenv("SNMP_PERSISTENT_DIR", persist, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	sb.kids[sb.nkids++] = pid;
	return 0;
}

static int sb_wait_socket(const char *path, const char *what)
{
	for (int i = 0; i < SB_READY_SECS * 10; i++) {
		struct stat st;
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		/* the process that should open it (the last started) died */
		if (sb.nkids > 0 && waitpid(sb.kids[sb.nkids - 1], NULL, WNOHANG) != 0) {
			sb.nkids--;
			break;
		}
		usleep(100000);
	}
	fprintf(stderr, "faxsnmpbench: %s did not open %s (logs in %s)\n", what, path, sb.dir);
	return -1;
}

static unsigned sb_free_udp(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned port = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int sb_write(const char *name, const char *text)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sb.dir, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "faxsnmpbench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* faxgwd's configuration: PORTS t38 ports on consecutive loopback ports. */
static int sb_faxgw_conf(const struct sb_opts *o)
{
	char path[160];
	FILE *f;
	unsigned base = 20000 + (unsigned)(getpid() % 20000);

	snprintf(path, sizeof(path), "%s/fax", sb.dir);
	if (mkdir(path, 0755) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/fax/%c", sb.dir, 'a' + i);
		if (mkdir(path, 0755) != 0)
			return -1;
	}
	snprintf(path, sizeof(path), "%s/faxgw.conf", sb.dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "[gateway]\nspool = %s/spool\nstate = %s/faxgw.db\ncontrol = %s\n"
		   "extensions = %s/routing\nstore-root = %s/fax\nexec-dir = %s\n"
		   "admin-group =\nquery-group =\n",
		sb.dir, sb.dir, sb.faxsock, o->build, sb.dir, sb.dir);
	for (unsigned i = 1; i <= o->ports; i++)
		fprintf(f, "[port %u]\nname = bench-%u\ntransport = t38\nlisten = 127.0.0.1:%u\n", i,
			i, base + i);
	return fclose(f) == 0 ? 0 : -1;
}

static int sb_start(const struct sb_opts *o)
{
	char text[1024], conf[160], persist[160], exe[160], ports[16];
	char faxgwd[200], agent[200];

	snprintf(sb.faxsock, sizeof(sb.faxsock), "%s/faxgw.sock", sb.dir);
	snprintf(sb.axsock, sizeof(sb.axsock), "%s/agentx.sock", sb.dir);
	sb.udp = sb_free_udp();
	if (sb.udp == 0 || sb_faxgw_conf(o) != 0)
		return -1;
	snprintf(text, sizeof(text),
		 "agentaddress udp:127.0.0.1:%u\nmaster agentx\nagentXSocket %s\n"
		 "agentXPerms 0600 0700\nagentXTimeout 5\n"
		 "rocommunity public 127.0.0.1\nrwcommunity private 127.0.0.1\n",
		 sb.udp, sb.axsock);
	snprintf(persist, sizeof(persist), "%s/persist", sb.dir);
	if (sb_write("snmpd.conf", text) != 0 || mkdir(persist, 0700) != 0)
		return -1;

	snprintf(faxgwd, sizeof(faxgwd), "%s/faxgwd", o->build);
	snprintf(conf, sizeof(conf), "%s/faxgw.conf", sb.dir);
	char *gw_argv[] = { faxgwd, "-f", "-c", conf, NULL };
	if (sb_spawn(gw_argv, "faxgwd.log", NULL) != 0 || sb_wait_socket(sb.faxsock, "faxgwd") != 0)
		return -1;

	snprintf(conf, sizeof(conf), "%s/snmpd.conf", sb.dir);
	char *snmpd_argv[] = { "snmpd", "-f", "-Lf", "snmpd.log", "-C", "-c", conf, "-I", "-smux",
			       "-M", "/dev/null", "-m", "", NULL };
	if (chdir(sb.dir) != 0 || sb_spawn(snmpd_argv, "snmpd.out", persist) != 0 ||
	    sb_wait_socket(sb.axsock, "snmpd") != 0)
		return -1;

	snprintf(agent, sizeof(agent), "%s/faxgw-agent", o->build);
	char *agent_argv[] = { agent, "-f", "-x", sb.axsock, "-s", sb.faxsock, NULL };
	if (sb_spawn(agent_argv, "agent.log", NULL) != 0)
		return -1;

	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	snprintf(ports, sizeof(ports), "%u", o->ports);
	char *static_argv[] = { exe, "--static-subagent", sb.axsock, ports, NULL };
	return sb_spawn(static_argv, "static.log", NULL);
}

/* --- SNMP client ------------------------------------------------------------------- */

static netsnmp_session *sb_session(const char *community)
{
	netsnmp_session s, *ss;
	char peer[64];

	snmp_sess_init(&s);
	snprintf(peer, sizeof(peer), "udp:127.0.0.1:%u", sb.udp);
	s.peername = peer;
	s.version = SNMP_VERSION_2c;
	s.community = (u_char *)community;
	s.community_len = strlen(community);
	s.timeout = 5 * 1000000L;
	s.retries = 0;
	ss = snmp_open(&s);
	if (ss == NULL)
		snmp_perror("faxsnmpbench: snmp_open");
	return ss;
}

/* Walks the subtree root[0..rootlen) with GETBULK; *nvb gets the number of
 * varbinds inside it.  col != 0: only that column of the table. */
static int sb_walk(netsnmp_session *ss, const oid *root, size_t rootlen, unsigned maxrep,
		   unsigned long *nvb)
{
	oid cur[MAX_OID_LEN];
	size_t curlen = rootlen;
	int done = 0;

	*nvb = 0;
	memcpy(cur, root, rootlen * sizeof(oid));
	while (!done) {
		netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GETBULK), *resp = NULL;
		int rc;

		pdu->non_repeaters = 0;
		pdu->max_repetitions = (long)maxrep;
		snmp_add_null_var(pdu, cur, curlen);
		rc = snmp_synch_response(ss, pdu, &resp);
		if (rc != STAT_SUCCESS || resp == NULL || resp->errstat != SNMP_ERR_NOERROR) {
			fprintf(stderr, "faxsnmpbench: GETBULK failed: %s\n",
				rc != STAT_SUCCESS ? snmp_api_errstring(ss->s_snmp_errno)
						   : snmp_errstring(resp != NULL ? resp->errstat : 0));
			snmp_free_pdu(resp);
			return -1;
		}
		done = resp->variables == NULL;
		for (netsnmp_variable_list *v = resp->variables; v != NULL; v = v->next_variable) {
			if (v->type == SNMP_ENDOFMIBVIEW ||
			    snmp_oidtree_compare(root, rootlen, v->name, v->name_length) != 0) {
				done = 1;
				break;
			}
			(*nvb)++;
			memcpy(cur, v->name, v->name_length * sizeof(oid));
			curlen = v->name_length;
		}
		snmp_free_pdu(resp);
	}
	return 0;
}

/* Waits until column 2 of a table has `rows` instances. */
static int sb_wait_rows(netsnmp_session *ss, const oid *table, size_t len, unsigned long rows,
			const char *what)
{
	oid col[MAX_OID_LEN];
	unsigned long n = 0;
	double end = sb_now() + SB_READY_SECS;

	memcpy(col, table, len * sizeof(oid));
	col[len] = 1;
	col[len + 1] = 2;
	while (sb_now() < end) {
		if (sb_walk(ss, col, len + 2, 50, &n) == 0 && n == rows)
			return 0;
		usleep(200000);
	}
	fprintf(stderr, "faxsnmpbench: %s serves %lu of %lu rows (logs in %s)\n", what, n, rows,
		sb.dir);
	return -1;
}

/* --- the measurements ------------------------------------------------------------------ */

static int sb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double sb_pct(double *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static int sb_walks(netsnmp_session *ss, const struct sb_opts *o)
{
	static const oid ft[] = { SB_METHOD_TABLE }, st[] = { SB_STATIC_TABLE };
	double *rf = calloc(o->rounds, sizeof(double)), *rs = calloc(o->rounds, sizeof(double));
	unsigned long nf = 0, ns = 0;
	int rc = -1;

	if (rf == NULL || rs == NULL)
		goto out;
	for (unsigned i = 0; i < o->rounds; i++) {
		double t0 = sb_now();
		if (sb_walk(ss, ft, OID_LENGTH(ft), o->maxrep, &nf) != 0)
			goto out;
		double t1 = sb_now();
		if (sb_walk(ss, st, OID_LENGTH(st), o->maxrep, &ns) != 0)
			goto out;
		double t2 = sb_now();
		rf[i] = (double)nf / (t1 - t0);
		rs[i] = (double)ns / (t2 - t1);
		printf("  round %u: faxRoutingMethodTable %lu varbinds in %.3f s, static table "
		       "%lu varbinds in %.3f s\n", i + 1, nf, t1 - t0, ns, t2 - t1);
	}
	qsort(rf, o->rounds, sizeof(double), sb_cmp_double);
	qsort(rs, o->rounds, sizeof(double), sb_cmp_double);
	printf("walk (GETBULK, max-repetitions %u, %u rows x 11 columns, median of %u):\n",
	       o->maxrep, o->ports * SB_METHODS, o->rounds);
	printf("  faxgw-agent   %10.0f varbinds/s\n", sb_pct(rf, o->rounds, 0.5));
	printf("  static table  %10.0f varbinds/s\n", sb_pct(rs, o->rounds, 0.5));
	printf("  ratio         %10.2f (target >= 0.9)\n",
	       sb_pct(rf, o->rounds, 0.5) / sb_pct(rs, o->rounds, 0.5));
	rc = nf == ns ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, "faxsnmpbench: the tables differ in size (%lu, %lu)\n", nf, ns);
out:
	free(rf);
	free(rs);
	return rc;
}

/* faxRoutingMethodIndex of Store in folder on port 1. */
static int sb_sif_index(fgw_handle *port, uint32_t *index)
{
	fgw_routing_method *ms = NULL;
	size_t n = 0;
	int rc = fgw_enum_routing_methods(port, &ms, &n);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (strcmp(ms[i].guid, SB_SIF) == 0) {
			*index = ms[i].method_index;
			fgw_free_buffer(ms);
			return 0;
		}
	}
	fgw_free_buffer(ms);
	return -1;
}

/* One SET; returns its time until faxgwd has the value, or < 0. */
static double sb_one_set(netsnmp_session *ss, fgw_handle *port, const oid *name, size_t len,
			 const char *value)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_SET), *resp = NULL;
	double t0 = sb_now(), deadline = t0 + 10;
	int rc;

	snmp_pdu_add_variable(pdu, name, len, ASN_OCTET_STR, value, strlen(value));
	rc = snmp_synch_response(ss, pdu, &resp);
	if (rc != STAT_SUCCESS || resp == NULL || resp->errstat != SNMP_ERR_NOERROR) {
		fprintf(stderr, "faxsnmpbench: SET failed: %s\n",
			rc != STAT_SUCCESS ? snmp_api_errstring(ss->s_snmp_errno)
					   : snmp_errstring(resp != NULL ? resp->errstat : 0));
		snmp_free_pdu(resp);
		return -1;
	}
	snmp_free_pdu(resp);
	while (sb_now() < deadline) {
		void *data = NULL;
		size_t dlen = 0;
		int same;

		if (fgw_get_routing_info(port, SB_SIF, &data, &dlen) != 0)
			return -1;
		same = dlen == strlen(value) && memcmp(data, value, dlen) == 0;
		fgw_free_buffer(data);
		if (same)
			return sb_now() - t0;
	}
	return -1;
}

static int sb_sets(const struct sb_opts *o)
{
	netsnmp_session *ss = sb_session("private");
	fgw_handle *srv = NULL, *port = NULL;
	double *t = calloc(o->sets, sizeof(double));
	oid name[MAX_OID_LEN] = { SB_METHOD_TABLE, 1, 8, 1, 0 };
	size_t len = SB_METHOD_TABLE_LEN + 4;
	uint32_t si = 0;
	char value[2][160];
	int rc = -1;

	if (ss == NULL || t == NULL || fgw_connect(sb.faxsock, &srv) != 0 ||
	    fgw_open_port(srv, 1, FGW_PORT_OPEN_QUERY, &port) != 0 || sb_sif_index(port, &si) != 0)
		goto out;
	name[len - 1] = si;
	snprintf(value[0], sizeof(value[0]), "%s/fax/a", sb.dir);
	snprintf(value[1], sizeof(value[1]), "%s/fax/b", sb.dir);
	for (unsigned i = 0; i < o->sets; i++) {
		t[i] = sb_one_set(ss, port, name, len, value[i % 2]);
		if (t[i] < 0)
			goto out;
	}
	qsort(t, o->sets, sizeof(double), sb_cmp_double);
	printf("snmpset faxRoutingMethodData -> persisted in faxgwd (%u sets):\n", o->sets);
	printf("  median %.2f ms, p99 %.2f ms, max %.2f ms (target: median <= 5 ms)\n",
	       sb_pct(t, o->sets, 0.5) * 1e3, sb_pct(t, o->sets, 0.99) * 1e3,
	       t[o->sets - 1] * 1e3);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "faxsnmpbench: the SET timing failed (logs in %s)\n", sb.dir);
	fgw_close(port);
	fgw_close(srv);
	if (ss != NULL)
		snmp_close(ss);
	free(t);
	return rc;
}

/* --- main ---------------------------------------------------------------------------- */

static int sb_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;

	if (fgwx_str_number(s, &v, max) != FGWX_NUM_OK || v < min)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int sb_parse(int argc, char **argv, struct sb_opts *o)
{
	static char build_abs[PATH_MAX];
	int c;

	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};

	*o = (struct sb_opts){ FAXGW_BUILD_DIR, 500, 5, 200, 25, 0 };
	while ((c = getopt_long(argc, argv, "B:p:r:s:m:khV", lo, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 'B': o->build = optarg; break;
		case 'p': bad = sb_parse_uint(optarg, 1, SB_MAX_PORTS, &o->ports); break;
		case 'r': bad = sb_parse_uint(optarg, 1, 1000, &o->rounds); break;
		case 's': bad = sb_parse_uint(optarg, 1, 100000, &o->sets); break;
		case 'm': bad = sb_parse_uint(optarg, 1, 1000, &o->maxrep); break;
		case 'k': o->keep = 1; break;
		case 'h': sb_usage(stdout); return 1;
		case 'V': printf("faxsnmpbench %s\n", FAXGW_VERSION); return 1;
		default: sb_usage(stderr); return 2;
		}
		if (bad) {
			fprintf(stderr, "faxsnmpbench: bad value for -%c: %s\n", c, optarg);
			return 2;
		}
	}
	if (optind != argc) {
		sb_usage(stderr);
		return 2;
	}
	/* faxgwd wants absolute paths in its configuration */
	if (realpath(o->build, build_abs) == NULL) {
		fprintf(stderr, "faxsnmpbench: %s: %s\n", o->build, strerror(errno));
		return 2;
	}
	o->build = build_abs;
	return 0;
}

static int sb_run(const struct sb_opts *o)
{
	static const oid ft[] = { SB_METHOD_TABLE }, st[] = { SB_STATIC_TABLE };
	unsigned long rows = (unsigned long)o->ports * SB_METHODS;
	netsnmp_session *ss;
	int rc;

	if (sb_start(o) != 0)
		return -1;
	ss = sb_session("public");
	if (ss == NULL)
		return -1;
	rc = sb_wait_rows(ss, ft, OID_LENGTH(ft), rows, "faxgw-agent");
	if (rc == 0)
		rc = sb_wait_rows(ss, st, OID_LENGTH(st), rows, "the static subagent");
	if (rc == 0) {
		printf("faxsnmpbench: %u ports x %d methods = %lu rows; snmpd on udp:127.0.0.1:%u, "
		       "AgentX on %s\n", o->ports, SB_METHODS, rows, sb.udp, sb.axsock);
		rc = sb_walks(ss, o);
	}
	snmp_close(ss);
	if (rc == 0)
		rc = sb_sets(o);
	return rc;
}

int main(int argc, char **argv)
{
	struct sb_opts o;
	int rc;

	if (argc == 4 && strcmp(argv[1], "--static-subagent") == 0) {
		unsigned ports;
		if (sb_parse_uint(argv[3], 1, SB_MAX_PORTS, &ports) != 0)
			return 2;
		return sb_static_main(argv[2], ports);
	}
	rc = sb_parse(argc, argv, &o);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(sb.dir, sizeof(sb.dir), "/tmp/faxsnmpbench.XXXXXX");
	if (mkdtemp(sb.dir) == NULL) {
		perror("faxsnmpbench: mkdtemp");
		return 1;
	}
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "/dev/null", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	init_snmp("faxsnmpbench");
	rc = sb_run(&o);
	sb_stop_all();
	if (!o.keep && rc == 0) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sb.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "faxsnmpbench: could not remove %s\n", sb.dir);
	} else {
		printf("faxsnmpbench: files kept in %s\n", sb.dir);
	}
	return rc == 0 ? 0 : 1;
}
