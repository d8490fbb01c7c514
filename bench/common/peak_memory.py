"""The process's resident memory for the Python peers, as peak_memory.h gives
it to the C++ benchmarks: fields of Linux's /proc/self/status, and the peak
(VmHWM) reset through /proc/self/clear_refs."""


def status_kib(field):
    """A "<field> <n> kB" line of /proc/self/status, in KiB; -1 when absent."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return -1


def reset_peak_rss():
    """The peak becomes the current resident size."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
