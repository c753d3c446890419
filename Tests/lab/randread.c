/* randread DEVICE COUNT: COUNT reads of 4 KiB at random 4 KiB-aligned offsets of DEVICE
 * with O_DIRECT (no page cache), one at a time; prints "SECONDS COUNT". For Tests/bench:
 * the root's device through the iSCSI bridge against the same image on a virtio disk. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: randread DEVICE COUNT\n"); return 2; }
    int fd = open(argv[1], O_RDONLY | O_DIRECT);
    if (fd < 0) { perror(argv[1]); return 1; }
    uint64_t size = 0;
    if (ioctl(fd, BLKGETSIZE64, &size) != 0 || size < 4096) { perror("BLKGETSIZE64"); return 1; }
    long count = atol(argv[2]);
    void *buffer;
    if (posix_memalign(&buffer, 4096, 4096) != 0) return 1;
    uint64_t state = 0x9e3779b97f4a7c15ULL;  /* the same offsets on both devices */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < count; i++) {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17;
        off_t offset = (off_t)(state % (size / 4096)) * 4096;
        if (pread(fd, buffer, 4096, offset) != 4096) { perror("pread"); return 1; }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.3f %ld\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, count);
    return 0;
}
