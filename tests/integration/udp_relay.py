#!/usr/bin/python3
"""udp_relay.py - a lossy UDP relay on loopback for the integration tests.

usage: udp_relay.py --upstream HOST:PORT --port-file FILE [--loss P]
                    [--seed N] [--stats FILE] [--idle S]
                    [--burst-after N --burst-count K]

Binds one UDP socket on 127.0.0.1 (a free port, written to --port-file once
bound).  The first datagram from anywhere but the upstream address names
the client; from then on datagrams from the client go to the upstream
address and datagrams from the upstream address go back to the client,
each dropped with probability P.  Each direction draws from its own
random generator seeded from --seed, so one direction's traffic does not
change the other's drop pattern.  Datagrams from any other address are
counted as foreign and dropped.  With --burst-after N, the K datagrams
from the client that follow its N-th are dropped as well (a burst of
loss at a point of the call fixed by the caller's packet count).  Runs
until SIGTERM/SIGINT or --idle seconds without traffic (after the first
datagram), then writes its counters as JSON to --stats.
"""
import argparse
import json
import os
import random
import select
import signal
import socket
import sys
import time


def parse_addr(text):
    host, _, port = text.rpartition(":")
    return (host.strip("[]"), int(port))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--loss", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stats")
    ap.add_argument("--idle", type=float, default=60.0)
    ap.add_argument("--burst-after", type=int, default=-1)
    ap.add_argument("--burst-count", type=int, default=0)
    args = ap.parse_args()

    upstream = parse_addr(args.upstream)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % sock.getsockname()[1])
    os.rename(tmp, args.port_file)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    rng = {"up": random.Random(args.seed), "down": random.Random(args.seed + 1)}
    stats = {"up_forwarded": 0, "up_dropped": 0,
             "down_forwarded": 0, "down_dropped": 0, "foreign": 0, "burst_dropped": 0}
    up_seen = 0
    client = None
    last = None
    while not stop:
        if last is not None and time.monotonic() - last > args.idle:
            break
        try:
            ready, _, _ = select.select([sock], [], [], 0.2)
        except InterruptedError:
            continue
        if not ready:
            continue
        try:
            data, src = sock.recvfrom(65535)
        except OSError:
            continue
        last = time.monotonic()
        if src == upstream:
            way, dst = "down", client
        elif client is None or src == client:
            client = src
            way, dst = "up", upstream
        else:
            stats["foreign"] += 1
            continue
        if dst is None:
            stats["foreign"] += 1
            continue
        if way == "up":
            up_seen += 1
            if args.burst_after >= 0 and \
                    args.burst_after < up_seen <= args.burst_after + args.burst_count:
                stats["burst_dropped"] += 1
                continue
        if rng[way].random() < args.loss:
            stats[way + "_dropped"] += 1
            continue
        try:
            sock.sendto(data, dst)
            stats[way + "_forwarded"] += 1
        except OSError:
            stats[way + "_dropped"] += 1

    if args.stats:
        with open(args.stats, "w") as f:
            json.dump(stats, f)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
