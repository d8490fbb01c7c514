/* cairn_write_limit: what this machine allows for writing N bytes that sit in
 * process memory to a file and fsyncing it -- the limit a checkpoint save is
 * measured against (bench/report.sh, row P1). It measures the machine, not Cairn.
 *
 *   cairn_write_limit buffered PATH (--mib M | --bytes N) [--chunk-mib C]
 *       write() of M MiB of touched process memory in C MiB chunks (default 8),
 *       then fsync: the page-cache path every buffered writer takes.
 *   cairn_write_limit direct PATH (--mib M | --bytes N) [--chunk-mib C]
 *       memcpy from deliberately unaligned process memory into one reused
 *       C MiB 4096-aligned buffer, O_DIRECT write() of it, then fsync; a tail
 *       that is not a multiple of 4096 bytes is written after clearing O_DIRECT
 *       with fcntl. A tensor's bytes are not page-aligned in general, so this
 *       is the fastest way to disk that a real writer can take here.
 *
 * Prints key=value lines, as cairn_bench_save does: mode, bytes (= live_bytes,
 * the state held in memory), seconds (open to fsync done), write_seconds,
 * fsync_seconds, gib_per_s, peak_rss_kib. The file is left in place; the caller
 * removes it. Exit status 3 when the file system refuses O_DIRECT (tmpfs).
 *
 * Why not `dd if=/dev/zero`: on these VMs the kernel's copy from process memory
 * into the page cache and first-touch page faults dominate; dd writes one small
 * buffer over and over and so measures neither (see
 * ../shared/reference/perf-probes/README.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { kAlign = 4096 };

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int usage(void) {
  fprintf(stderr, "usage: cairn_write_limit buffered|direct PATH (--mib M | --bytes N) [--chunk-mib C]\n");
  return 2;
}

/* write() all of [data, data + n), retrying short writes; 0 on success. */
static int write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t done = write(fd, data, n);
    if (done < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += done;
    n -= (size_t)done;
  }
  return 0;
}

/* The buffered path: the kernel copies each chunk into the page cache. */
static int write_buffered(int fd, const char* src, size_t bytes, size_t chunk) {
  for (size_t off = 0; off < bytes; off += chunk) {
    size_t n = bytes - off < chunk ? bytes - off : chunk;
    if (write_all(fd, src + off, n) != 0) return -1;
  }
  return 0;
}

/* The O_DIRECT path through one reused aligned bounce buffer. O_DIRECT needs
 * lengths that are multiples of the block size, so the last partial block goes
 * through the page cache once O_DIRECT is cleared. */
static int write_direct(int fd, const char* src, size_t bytes, size_t chunk, char* bounce) {
  size_t off = 0;
  while (off < bytes) {
    size_t n = bytes - off < chunk ? bytes - off : chunk;
    size_t aligned = n & ~(size_t)(kAlign - 1);
    memcpy(bounce, src + off, n);
    if (aligned > 0 && write_all(fd, bounce, aligned) != 0) return -1;
    if (aligned < n) {
      int flags = fcntl(fd, F_GETFL);
      if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_DIRECT) != 0) return -1;
      if (write_all(fd, bounce + aligned, n - aligned) != 0) return -1;
    }
    off += n;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const char* mode = argv[1];
  const char* path = argv[2];
  double bytes_wanted = -1;
  double chunk_mib = 8;
  for (int i = 3; i < argc; ++i) {
    if (strcmp(argv[i], "--mib") == 0 && i + 1 < argc) bytes_wanted = atof(argv[++i]) * 1048576.0;
    else if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc) bytes_wanted = atof(argv[++i]);
    else if (strcmp(argv[i], "--chunk-mib") == 0 && i + 1 < argc) chunk_mib = atof(argv[++i]);
    else return usage();
  }
  const int direct = strcmp(mode, "direct") == 0;
  if ((!direct && strcmp(mode, "buffered") != 0) || bytes_wanted < 1 || chunk_mib <= 0) return usage();
  const size_t bytes = (size_t)bytes_wanted;
  /* A whole number of 4096-byte blocks, so that only the file's tail is unaligned. */
  const size_t chunk = ((size_t)(chunk_mib * 1048576.0) + kAlign - 1) & ~(size_t)(kAlign - 1);

  /* The state: touched, so it is resident before the clock starts, as a live
   * model's tensors are. One byte past an aligned allocation makes the source
   * unaligned, as an arbitrary tensor inside a storage can be. */
  char* block = malloc(bytes + 1);
  if (block == NULL) {
    fprintf(stderr, "cairn_write_limit: cannot allocate %zu bytes\n", bytes);
    return 1;
  }
  char* src = block + 1;
  for (size_t i = 0; i < bytes; ++i) src[i] = (char)(i * 131u >> 7);

  char* bounce = NULL;
  if (direct) {
    if (posix_memalign((void**)&bounce, kAlign, chunk) != 0) {
      fprintf(stderr, "cairn_write_limit: cannot allocate the aligned buffer\n");
      return 1;
    }
    memset(bounce, 0, chunk);
  }

  const double start = now_seconds();
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | (direct ? O_DIRECT : 0), 0644);
  if (fd < 0) {
    int err = errno;
    fprintf(stderr, "cairn_write_limit: cannot open %s%s: %s\n", path, direct ? " with O_DIRECT" : "", strerror(err));
    return direct && err == EINVAL ? 3 : 1;
  }
  int failed = direct ? write_direct(fd, src, bytes, chunk, bounce) : write_buffered(fd, src, bytes, chunk);
  if (failed) {
    fprintf(stderr, "cairn_write_limit: write to %s failed: %s\n", path, strerror(errno));
    return direct && errno == EINVAL ? 3 : 1;
  }
  const double written = now_seconds();
  if (fsync(fd) != 0 || close(fd) != 0) {
    fprintf(stderr, "cairn_write_limit: fsync of %s failed: %s\n", path, strerror(errno));
    return 1;
  }
  const double end = now_seconds();

  struct stat st;
  if (stat(path, &st) != 0 || (size_t)st.st_size != bytes) {
    fprintf(stderr, "cairn_write_limit: %s does not hold %zu bytes\n", path, bytes);
    return 1;
  }
  struct rusage usage_now;
  getrusage(RUSAGE_SELF, &usage_now);
  const double seconds = end - start;
  printf("mode=%s\n", direct ? "direct" : "buffered");
  printf("bytes=%zu\nlive_bytes=%zu\nfile_bytes=%zu\n", bytes, bytes, bytes);
  printf("chunk_bytes=%zu\n", chunk);
  printf("seconds=%.6f\nwrite_seconds=%.6f\nfsync_seconds=%.6f\n", seconds, written - start, end - written);
  printf("gib_per_s=%.4f\n", (double)bytes / seconds / 1073741824.0);
  printf("peak_rss_kib=%ld\n", usage_now.ru_maxrss);
  free(bounce);
  free(block);
  return 0;
}
