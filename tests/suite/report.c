/* SPDX-License-Identifier: MIT */
/* What every Criterion test program shares: the line the top-level summary counts,
 * and the name of a parameterized case that crashes or runs into its timeout
 * (criterion_cases.h), which Criterion's own report leaves out. */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "criterion_cases.h"

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    printf("alloy-tests: %zu passed, %zu failed\n", stats->tests_passed,
           stats->tests_failed);
    fflush(stdout);
}

/* The running case, "SUITE::CASE (KIND)", for the signal handlers: each case runs in
 * a process of its own. */
static char running[192];
static size_t running_length;

static void say(const char *what)
{
    /* write(2) only: the handlers below may interrupt anything */
    if (write(STDERR_FILENO, running, running_length) < 0 || write(STDERR_FILENO, what, strlen(what)) < 0)
        return;
}

static void on_crash(int sig)
{
    say(": crashed\n");
    raise(sig); /* the handler is reset: the process dies of it, as Criterion expects */
}

static void on_alarm(int sig)
{
    (void)sig;
    say(": still running 10 s before its timeout\n");
}

void criterion_case_started(const char *test, const char *kind, unsigned timeout)
{
    int n = snprintf(running, sizeof running, "[case] %s (%s)", test, kind);
    running_length = n < 0 ? 0 : (size_t)n < sizeof running ? (size_t)n : sizeof running - 1;
    struct sigaction crash = {.sa_handler = on_crash, .sa_flags = SA_RESETHAND | SA_NODEFER};
    sigemptyset(&crash.sa_mask);
    const int crashes[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    for (size_t i = 0; i < sizeof crashes / sizeof crashes[0]; i++)
        sigaction(crashes[i], &crash, NULL);
    struct sigaction late = {.sa_handler = on_alarm};
    sigemptyset(&late.sa_mask);
    sigaction(SIGALRM, &late, NULL);
    alarm(timeout > 10 ? timeout - 10 : 1);
}
