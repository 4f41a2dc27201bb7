// TLS settings of a peer (Asio's OpenSSL streams): certificates from files or from memory,
// server verification on the dialing side, optional client certificates (mutual TLS).
#pragma once

#include <string>

namespace tp {

/// Where a peer's certificates come from and what it verifies. PEM text or PEM files.
struct TlsConfig {
  std::string cert_file{};    ///< this side's certificate chain (PEM file); a listener needs one
  std::string key_file{};     ///< its private key (PEM file)
  std::string ca_file{};      ///< the CA certificates to verify the other side with (PEM file)
  std::string cert_pem{};     ///< or: the certificate chain as PEM text
  std::string key_pem{};      ///< or: the private key as PEM text
  std::string ca_pem{};       ///< or: the CA certificates as PEM text
  bool verify_peer = true;    ///< dialing side: verify the server's certificate and host name
  bool mutual = false;        ///< listening side: require and verify a client certificate
  std::string server_name{};  ///< dialing side: the name to expect and send (SNI); default: the
                              ///< dialed host
};

}  // namespace tp
