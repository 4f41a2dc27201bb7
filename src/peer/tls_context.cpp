#include "peer/tls_context.hpp"

namespace tp::detail {

namespace ssl = boost::asio::ssl;

Status make_tls_context(const TlsConfig& cfg, bool server, std::unique_ptr<ssl::context>& out) {
  auto ctx =
      std::make_unique<ssl::context>(server ? ssl::context::tls_server : ssl::context::tls_client);
  boost::system::error_code ec;
  auto failed = [&](const char* what) {
    return Status::from_code(code::kWrongConn, std::string("tls: ") + what + ": " + ec.message());
  };
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (!cfg.cert_pem.empty()) {
    ctx->use_certificate_chain(boost::asio::buffer(cfg.cert_pem), ec);
    if (ec) return failed("certificate");
  } else if (!cfg.cert_file.empty()) {
    ctx->use_certificate_chain_file(cfg.cert_file, ec);
    if (ec) return failed(cfg.cert_file.c_str());
  }
  if (!cfg.key_pem.empty()) {
    ctx->use_private_key(boost::asio::buffer(cfg.key_pem), ssl::context::pem, ec);
    if (ec) return failed("private key");
  } else if (!cfg.key_file.empty()) {
    ctx->use_private_key_file(cfg.key_file, ssl::context::pem, ec);
    if (ec) return failed(cfg.key_file.c_str());
  }
  if (!cfg.ca_pem.empty()) {
    ctx->add_certificate_authority(boost::asio::buffer(cfg.ca_pem), ec);
    if (ec) return failed("CA certificate");
  } else if (!cfg.ca_file.empty()) {
    ctx->load_verify_file(cfg.ca_file, ec);
    if (ec) return failed(cfg.ca_file.c_str());
  } else if (!server) {
    ctx->set_default_verify_paths(ec);
  }
  if (server) {
    if (cfg.cert_pem.empty() && cfg.cert_file.empty()) {
      return Status::from_code(code::kWrongConn, "tls: a listener needs a certificate");
    }
    ctx->set_verify_mode(cfg.mutual ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                                    : ssl::verify_none);
  } else {
    ctx->set_verify_mode(cfg.verify_peer ? ssl::verify_peer : ssl::verify_none);
  }
  out = std::move(ctx);
  return {};
}

}  // namespace tp::detail
