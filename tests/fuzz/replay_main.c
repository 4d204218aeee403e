/* SPDX-License-Identifier: MIT */
/* The fuzz target without libFuzzer: replays inputs through LLVMFuzzerTestOneInput,
 * for builds where the fuzzer cannot be (gcc), so that make test runs every
 * strategy's target over the committed corpus (tests/fuzz/meson.build). Arguments
 * are directories: every file in each is one input. A broken property aborts in the
 * target, naming the operation; otherwise this prints "alloy-tests: N passed, 0
 * failed", N the inputs replayed. */
#define _POSIX_C_SOURCE 200809L /* dirent, fileno */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The inputs are small: a fuzz input over 1 MiB says something went wrong. */
#define MAX_INPUT ((size_t)1 << 20)

static int replay(const char *path)
{
    static uint8_t data[MAX_INPUT];
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 0;
    }
    size_t size = fread(data, 1, sizeof data, f);
    int whole = feof(f) && !ferror(f);
    fclose(f);
    if (!whole) {
        fprintf(stderr, "%s: unreadable, or over %zu bytes\n", path, sizeof data);
        return 0;
    }
    LLVMFuzzerTestOneInput(data, size);
    return 1;
}

int main(int argc, char **argv)
{
    unsigned replayed = 0, unread = 0;
    for (int i = 1; i < argc; i++) {
        DIR *dir = opendir(argv[i]);
        if (!dir) {
            perror(argv[i]);
            unread++;
            continue;
        }
        for (struct dirent *entry; (entry = readdir(dir));) {
            if (entry->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], entry->d_name);
            if (replay(path))
                replayed++;
            else
                unread++;
        }
        closedir(dir);
    }
    printf("alloy-tests: %u passed, %u failed\n", replayed, unread);
    return unread != 0 || replayed == 0;
}
