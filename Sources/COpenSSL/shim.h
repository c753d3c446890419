// OpenSSL's headers only, no `link`: the early-boot binary does not depend on libssl.
// An image built with `mkstateless build --https` carries libssl.so.3 and libcrypto.so.3
// (5.4 MB, more than the rest of the image), and the binary opens them with dlopen(3)
// when a live root is fetched over https:// (Net/TLS/OpenSSL.swift). The function types
// below are taken from the declarations themselves, so each symbol found with dlsym(3)
// is called with the signature the headers give it.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

typedef __typeof__(&TLS_client_method) stateless_TLS_client_method;
typedef __typeof__(&SSL_CTX_new) stateless_SSL_CTX_new;
typedef __typeof__(&SSL_CTX_free) stateless_SSL_CTX_free;
typedef __typeof__(&SSL_CTX_ctrl) stateless_SSL_CTX_ctrl;
typedef __typeof__(&SSL_CTX_set_verify) stateless_SSL_CTX_set_verify;
typedef __typeof__(&SSL_CTX_load_verify_locations) stateless_SSL_CTX_load_verify_locations;
typedef __typeof__(&SSL_new) stateless_SSL_new;
typedef __typeof__(&SSL_free) stateless_SSL_free;
typedef __typeof__(&SSL_set_fd) stateless_SSL_set_fd;
typedef __typeof__(&SSL_ctrl) stateless_SSL_ctrl;
typedef __typeof__(&SSL_set1_host) stateless_SSL_set1_host;
typedef __typeof__(&SSL_get0_param) stateless_SSL_get0_param;
typedef __typeof__(&X509_VERIFY_PARAM_set1_ip_asc) stateless_X509_VERIFY_PARAM_set1_ip_asc;
typedef __typeof__(&SSL_connect) stateless_SSL_connect;
typedef __typeof__(&SSL_read) stateless_SSL_read;
typedef __typeof__(&SSL_write) stateless_SSL_write;
typedef __typeof__(&SSL_get_error) stateless_SSL_get_error;
typedef __typeof__(&SSL_get_verify_result) stateless_SSL_get_verify_result;
typedef __typeof__(&SSL_get_version) stateless_SSL_get_version;
typedef __typeof__(&X509_verify_cert_error_string) stateless_X509_verify_cert_error_string;
typedef __typeof__(&ERR_get_error) stateless_ERR_get_error;
typedef __typeof__(&ERR_error_string_n) stateless_ERR_error_string_n;
typedef __typeof__(&ERR_clear_error) stateless_ERR_clear_error;
