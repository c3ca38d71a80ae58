/*
 * daemon.h - faxgwd's entry point: options, configuration, start-up,
 * signals and the main event loop.
 */
#ifndef FAXGW_DAEMON_H
#define FAXGW_DAEMON_H

/* Runs faxgwd with its command line; returns the process exit status. */
int daemon_main(int argc, char **argv);

#endif
