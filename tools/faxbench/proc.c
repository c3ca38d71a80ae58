/*
 * proc.c - CPU time and resident memory of faxgwd and its descendants,
 * from /proc (proc(5)): /proc/PID/stat fields 4 (ppid), 14-17 (utime,
 * stime, cutime, cstime, in clock ticks) and VmRSS of /proc/PID/status.
 * cutime/cstime carry the time of children faxgwd has already reaped, so a
 * short-lived routing child is counted as well.
 */
#include "faxbench.h"
#include "fgwx_number.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define FB_PROC_MAX 4096              /* processes looked at in one scan */

struct fb_proc_entry {
	pid_t pid, ppid;
	uint64_t cpu_ticks;
};

long fb_proc_clock_ticks(void)
{
	long t = sysconf(_SC_CLK_TCK);

	return t > 0 ? t : 100;
}

/* Reads ppid and the four CPU fields of /proc/PID/stat.  0 or -1. */
static int fb_proc_stat(pid_t pid, struct fb_proc_entry *e)
{
	char path[64], buf[1024];
	unsigned long long f[14];
	FILE *fp;
	size_t n;
	char *p;
	int ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fp = fopen(path, "re");
	if (fp == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* comm may contain anything, even ')': the fields start after the last one */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime */
	if (sscanf(p + 1, " %*c %d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &ppid, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9],
		   &f[10], &f[11]) != 13)
		return -1;
	e->pid = pid;
	e->ppid = ppid;
	e->cpu_ticks = f[8] + f[9] + f[10] + f[11];
	return 0;
}

/* VmRSS of /proc/PID/status in kB, 0 if unknown. */
static uint64_t fb_proc_rss(pid_t pid)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "re");
	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

/* Every process of the system (up to FB_PROC_MAX); returns the count. */
static size_t fb_proc_scan(struct fb_proc_entry *all, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while (n < max && (de = readdir(d)) != NULL) {
		uint64_t pid;

		if (fgwx_str_number(de->d_name, &pid, INT_MAX) != FGWX_NUM_OK)
			continue;
		if (fb_proc_stat((pid_t)pid, &all[n]) == 0)
			n++;
	}
	closedir(d);
	return n;
}

void fb_proc_sample(pid_t pid, struct fb_proc_sample *s)
{
	static struct fb_proc_entry all[FB_PROC_MAX];
	pid_t tree[FB_PROC_MAX];
	size_t n, ntree = 0;

	memset(s, 0, sizeof(*s));
	n = fb_proc_scan(all, FB_PROC_MAX);
	tree[ntree++] = pid;
	/* breadth first over the parent links */
	for (size_t k = 0; k < ntree && ntree < FB_PROC_MAX; k++)
		for (size_t i = 0; i < n && ntree < FB_PROC_MAX; i++)
			if (all[i].ppid == tree[k] && all[i].pid != pid)
				tree[ntree++] = all[i].pid;
	for (size_t k = 0; k < ntree; k++) {
		for (size_t i = 0; i < n; i++) {
			if (all[i].pid != tree[k])
				continue;
			s->cpu_ticks += all[i].cpu_ticks;
			s->nproc++;
			if (all[i].pid == pid)
				s->alive = true;
			break;
		}
		s->rss_kb += fb_proc_rss(tree[k]);
	}
}

double fb_proc_self_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}
