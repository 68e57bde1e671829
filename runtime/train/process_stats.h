// Facts about this process for the metrics file, so that a bench can tell
// start-up, memory and throughput apart (bench/runtime).
#pragma once

namespace dml::train {

// Wall-clock time, seconds since the Unix epoch: comparable across processes.
double UnixSeconds();

// Seconds since this process started (the kernel's start time, 10 ms
// resolution); 0 if /proc cannot tell.
double ProcessAgeSeconds();

// main() calls MarkMainEntered first thing; SecondsSinceMain is then the time
// since, so start-up can be split into loading the program (libtorch's
// dynamic linking and static initialisers: before main) and the job's own
// start-up (rendezvous, data, first step: after). 0 if never marked.
void MarkMainEntered();
double SecondsSinceMain();

// This process's peak resident memory so far, in MiB.
double PeakRssMegabytes();

}  // namespace dml::train
