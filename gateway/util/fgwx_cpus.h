/*
 * fgwx_cpus.h - how many CPUs this process may run on: its affinity mask
 * (sched_setaffinity, taskset, systemd CPUAffinity=, cgroup cpusets),
 * else the CPUs online.  faxgwd's data plane and faxbench's thin gateway
 * size their media threads by it.
 */
#ifndef FAXGW_FGWX_CPUS_H
#define FAXGW_FGWX_CPUS_H

/* At least 1. */
unsigned fgwx_cpus(void);

#endif
