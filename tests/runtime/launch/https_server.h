// A throwaway https server on 127.0.0.1 for the download tests: a
// self-signed certificate made by `openssl req` at start, Python's
// http.server serving a folder (https_server.py), and CURL_CA_BUNDLE set in
// this process so that curl (and any dmlrun started from here) trusts it,
// without ever turning certificate checks off.
#pragma once

#include <sys/types.h>

#include <string>

namespace dml::launch::testing {

class HttpsServer {
 public:
  // Serves `root`; keeps its certificate, key and logs under `work`.
  HttpsServer(const std::string& root, const std::string& work);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Empty when the server runs; else why not (a missing tool: the test skips).
  const std::string& problem() const { return problem_; }
  std::string Url(const std::string& path) const;  // "https://127.0.0.1:PORT/<path>"
  int port() const { return port_; }
  // The paths requested so far, one per line.
  std::string Requests() const;

 private:
  std::string work_;
  std::string problem_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace dml::launch::testing
