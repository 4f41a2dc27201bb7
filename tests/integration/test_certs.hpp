// Certificates made at test time with OpenSSL: a CA, and leaf certificates it signs for
// "localhost" and 127.0.0.1 (server and client use).
#pragma once

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace tp::test {

/// A private key and its certificate, as PEM text.
struct KeyCert {
  std::string key_pem;
  std::string cert_pem;
  std::shared_ptr<EVP_PKEY> key;
  std::shared_ptr<X509> cert;
};

namespace detail {
inline std::string pem_of(const std::function<int(BIO*)>& write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (write(bio.get()) != 1) throw std::runtime_error("PEM write failed");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}
inline void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) throw std::runtime_error("bad extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}
}  // namespace detail

/// A certificate for `cn`, signed by `issuer` (self-signed CA when null).
inline KeyCert make_cert(const std::string& cn, const KeyCert* issuer, long serial) {
  KeyCert out;
  out.key.reset(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  out.cert.reset(X509_new(), &X509_free);
  X509* x = out.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, out.key.get());
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert.get() : x;
  X509_set_issuer_name(x, X509_get_subject_name(issuer_cert));
  if (!issuer) {
    detail::add_ext(x, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    detail::add_ext(x, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    detail::add_ext(x, issuer_cert, NID_basic_constraints, "CA:FALSE");
    detail::add_ext(x, issuer_cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    detail::add_ext(x, issuer_cert, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  X509_sign(x, issuer ? issuer->key.get() : out.key.get(), EVP_sha256());
  out.cert_pem = detail::pem_of([&](BIO* b) { return PEM_write_bio_X509(b, x); });
  out.key_pem = detail::pem_of([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, out.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

}  // namespace tp::test
