#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/record_traces.sh - records the committed traces in bench/traces/ from real
# programs alloy did not write, with the LD_PRELOAD recorder (trace_recorder.c):
#   python   python3 building and sorting dicts, lists and strings (PYTHONMALLOC=malloc,
#            so that every object goes through malloc rather than pymalloc's arenas)
#   sqlite   sqlite3 inserting 20,000 rows into an indexed table, then querying it
#   perl     perl counting the words and word pairs of 100,000 generated lines
# Each keeps its first 300,000 operations (ALLOY_TRACE_MAX), gzip'd; bench/run.py
# unpacks them. Usage: bench/record_traces.sh BUILD_DIR (a native build, e.g.
# build/native). The inputs are generated here, seeded, so a rerun records the same
# programs doing the same work (the traces differ only where the programs' own
# allocation depends on their environment). Programs are named by their Debian
# paths: a wrapper script in front (pyenv's shims) would record itself, not them.
set -eu
build=${1:?usage: record_traces.sh NATIVE_BUILD_DIR}
recorder=$(cd "$build/bench" && pwd)/libtrace_recorder.so
out=$(cd "$(dirname "$0")" && pwd)/traces
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ALLOY_TRACE_MAX=300000

record() { # name command...
  name=$1; shift
  rm -f "$work/$name.trace"
  ALLOY_TRACE="$work/$name.trace" LD_PRELOAD="$recorder" "$@" > /dev/null
  gzip -9n < "$work/$name.trace" > "$out/$name.trace.gz"
  echo "$name: $(grep -vc '^#' "$work/$name.trace") operations, $(wc -c < "$out/$name.trace.gz") bytes gzip'd"
}

export PYTHONMALLOC=malloc
record python /usr/bin/python3 -c '
import random
random.seed(7)
words = ["".join(random.choice("abcdefghij") for _ in range(random.randint(3, 12))) for _ in range(20000)]
counts = {}
for w in words:
    counts[w] = counts.get(w, 0) + 1
rows = sorted(({"word": w, "n": n, "tags": [w[:2], w[-2:]]} for w, n in counts.items()), key=lambda r: (-r["n"], r["word"]))
text = "\n".join(r["word"] + ":" + str(r["n"]) + ":" + ",".join(r["tags"]) for r in rows)
print(len(text), sum(len(line.split(":")) for line in text.splitlines()))
'

awk 'BEGIN { srand(11); print "create table t(id integer primary key, name text, score real);";
  print "create index t_name on t(name); begin;";
  for (i = 0; i < 20000; i++) printf "insert into t(name, score) values (\x27n%08d\x27, %f);\n", int(rand() * 1e8), rand() * 100;
  print "commit; select count(*), avg(score) from t where name > \x27n5\x27;";
  print "select name from t order by score desc limit 10;" }' > "$work/rows.sql"
record sqlite /usr/bin/sqlite3 "$work/db.sqlite" ".read $work/rows.sql"

awk 'BEGIN { srand(13); for (i = 0; i < 100000; i++) printf "w%d x%d w%d\n", int(rand() * 5000), i % 97, int(rand() * 300) }' > "$work/words.txt"
record perl /usr/bin/perl -e '
my (%count, %pairs);
while (my $line = <>) {
  chomp $line;
  my @w = split / /, $line;
  $count{$_}++ for @w;
  push @{$pairs{$w[0]}}, join("-", @w[1, 2]);
}
my @top = (sort { $count{$b} <=> $count{$a} || $a cmp $b } keys %count)[0 .. 9];
print join(",", @top), " ", scalar(keys %pairs), "\n";
' "$work/words.txt"
