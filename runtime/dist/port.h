// Small socket probes used to turn c10d's bind failures into plain messages
// and to find free ports for tests and local runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace dml::dist {

// True when some process already listens on (or binds) `port` on any local
// address, i.e. a new server could not bind it.
bool IsPortInUse(uint16_t port);

// A port that was free a moment ago (bind to port 0, read it back). Another
// process may take it before we do; callers report that as "port in use".
uint16_t PickFreePort();

// Waits until something accepts TCP connections at ipv4:port, trying every
// few milliseconds; false at the deadline or for an address that is not an
// IPv4 literal. c10d's own client retries only about once a second, so
// probing first saves ranks that start before rank 0 up to a second each.
bool WaitForListener(const std::string& ipv4, uint16_t port,
                     std::chrono::steady_clock::time_point deadline);

}  // namespace dml::dist
