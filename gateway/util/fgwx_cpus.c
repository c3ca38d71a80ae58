/*
 * fgwx_cpus.c - the CPUs this process may run on (fgwx_cpus.h).
 */
#include "fgwx_cpus.h"

#include <sched.h>
#include <unistd.h>

unsigned fgwx_cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1u;
}
