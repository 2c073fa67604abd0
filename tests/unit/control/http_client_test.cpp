#include "control/http_client.hpp"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <optional>

#include "test_http_server.hpp"

namespace firstmile::control {
namespace {

using namespace std::chrono_literals;
using webhook_test::RecordedRequest;
using webhook_test::Reply;
using webhook_test::TestHttpServer;

HttpRequestSpec make_spec(std::string url, std::string body = "{}",
                          Duration timeout = Duration(3000), size_t max_response = 64 * 1024) {
  HttpRequestSpec spec;
  spec.url = std::move(url);
  spec.body = std::move(body);
  spec.timeout = timeout;
  spec.max_response_bytes = max_response;
  return spec;
}

HttpResult post(asio::io_context& ioc, HttpRequestSpec spec, asio::ssl::context* tls = nullptr,
                ConnectionPool* pool = nullptr) {
  std::optional<HttpResult> out;
  asio::co_spawn(ioc, http_post(std::move(spec), tls, pool),
                 [&](std::exception_ptr e, HttpResult r) {
                   EXPECT_FALSE(e) << "http_post threw";
                   out = std::move(r);
                 });
  EXPECT_TRUE(webhook_test::run_until(ioc, [&] { return out.has_value(); }));
  return out.value_or(HttpResult{});
}

TEST(ParseWebhookUrl, DefaultsAndExplicitParts) {
  auto u = parse_webhook_url("http://hooks.example.com/on_publish?token=a%20b&x=1#frag");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/on_publish?token=a%20b&x=1");
  EXPECT_EQ(u->host_header, "hooks.example.com");

  u = parse_webhook_url("HTTPS://Example.com:8443");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/");
  EXPECT_EQ(u->host_header, "Example.com:8443");

  u = parse_webhook_url("https://example.com:443/a");  // default port: not in Host
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host_header, "example.com");

  u = parse_webhook_url("http://[::1]:8080/hook");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->host_header, "[::1]:8080");

  u = parse_webhook_url("http://10.0.0.2/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "10.0.0.2");
}

TEST(ParseWebhookUrl, Refusals) {
  for (const char* bad :
       {"", "hooks.example.com/x", "/relative", "ftp://example.com/", "http:///nohost",
        "http://user:pass@example.com/", "http://example.com:0/", "http://example.com:65536/",
        "http://example.com:8x/", "http://exa%0d%0ample.com/", "mailto:a@b.c", "http://a b/"}) {
    EXPECT_FALSE(parse_webhook_url(bad).ok()) << bad;
  }
  auto r = parse_webhook_url("ftp://example.com/");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("scheme"), std::string::npos) << r.error().message;
}

TEST(UrlForLog, DropsQueryAndUserinfo) {
  EXPECT_EQ(url_for_log("https://h.example:8443/hook?token=SECRET"), "https://h.example:8443/hook");
  EXPECT_EQ(url_for_log("http://u:SECRET@h/x?k=SECRET"), "http://h/x");
  EXPECT_EQ(url_for_log("gopher://h/x?SECRET#f"), "gopher://h/x");
}

TEST(HttpPost, SendsHeadersAndExactBody) {
  asio::io_context ioc;
  TestHttpServer server(ioc, [](const auto&) { return Reply::respond(200, "{\"ok\":1}"); });
  std::string body = "{\"event\":\"on_publish\",\"x\":\"\\u00e9\\n\"}\r\n";
  auto spec = make_spec(server.url("/hooks/publish?sig=1&a=b"), body);
  spec.headers = {{"X-Test", "v1"}, {"Content-Type", "application/json"}};
  auto r = post(ioc, spec);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"ok\":1}");
  EXPECT_FALSE(r.timed_out);
  EXPECT_GT(r.latency.count(), 0);
  ASSERT_EQ(server.requests().size(), 1u);
  const auto& req = server.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/hooks/publish?sig=1&a=b");
  EXPECT_EQ(req.body, body);
  EXPECT_EQ(req.header("x-test"), "v1");
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(req.header("content-length"), std::to_string(body.size()));
  EXPECT_EQ(req.header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(req.header("connection"), "close");
}

TEST(HttpPost, ServerErrorIsAResponseNotAnError) {
  asio::io_context ioc;
  TestHttpServer server(ioc, [](const auto&) { return Reply::respond(500, "boom"); });
  auto r = post(ioc, make_spec(server.url("/"), "{}"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "boom");
  EXPECT_EQ(r.error, "");
  EXPECT_FALSE(r.ok());
}

TEST(HttpPost, TimesOutWhenTheServerNeverAnswers) {
  asio::io_context ioc;
  TestHttpServer server(ioc, [](const auto&) { return Reply::hang(); });
  auto spec = make_spec(server.url("/slow"), "{}", Duration(200));
  auto start = std::chrono::steady_clock::now();
  auto r = post(ioc, spec);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.error, "timeout");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(server.requests().size(), 1u);  // the request did arrive
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 1500ms);
}

TEST(HttpPost, ConnectionRefused) {
  asio::io_context ioc;
  uint16_t port;
  {
    // A port that was just free: bound then closed, nobody listens on it.
    webhook_test::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  auto r = post(ioc, make_spec("http://127.0.0.1:" + std::to_string(port) + "/", "{}"));
  EXPECT_EQ(r.error, "connection refused");
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.timed_out);
}

TEST(HttpPost, OversizedBodyByContentLengthIsRefused) {
  asio::io_context ioc;
  TestHttpServer server(ioc,
                        [](const auto&) { return Reply::respond(200, std::string(1 << 20, 'x')); });
  auto spec = make_spec(server.url("/"));
  auto r = post(ioc, spec);
  EXPECT_EQ(r.error, "response body over 65536 bytes");
  EXPECT_EQ(r.status, 200);  // the header came
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(r.ok());
}

TEST(HttpPost, OversizedCloseDelimitedBodyIsCut) {
  asio::io_context ioc;
  // No Content-Length: the body runs until the server closes, so only the parser's limit
  // stops it.
  TestHttpServer server(ioc, [](const auto&) {
    return Reply::raw_bytes("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" +
                            std::string(300000, 'y'));
  });
  auto spec = make_spec(server.url("/"), "{}", Duration(3000), 1000);
  auto r = post(ioc, spec);
  EXPECT_EQ(r.error, "response body over 1000 bytes");
  EXPECT_LE(r.body.size(), 1000u);
}

TEST(HttpPost, GarbageAnswer) {
  asio::io_context ioc;
  TestHttpServer server(
      ioc, [](const auto&) { return Reply::raw_bytes("SSH-2.0-OpenSSH_9.2\r\n\r\n"); });
  auto r = post(ioc, make_spec(server.url("/"), "{}"));
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
  EXPECT_NE(r.error.find("read"), std::string::npos) << r.error;
  EXPECT_FALSE(r.timed_out);
}

TEST(HttpPost, HugeHeaderIsRefused) {
  asio::io_context ioc;
  TestHttpServer server(ioc, [](const auto&) {
    return Reply::raw_bytes("HTTP/1.1 200 OK\r\nX-Big: " + std::string(20000, 'h') +
                            "\r\nContent-Length: 0\r\n\r\n");
  });
  auto r = post(ioc, make_spec(server.url("/"), "{}"));
  EXPECT_EQ(r.error, "response header over 16384 bytes");
}

TEST(HttpPost, BadUrlAndHttpsWithoutContextFailCleanly) {
  asio::io_context ioc;
  auto r = post(ioc, make_spec("ftp://127.0.0.1/", "{}"));
  EXPECT_NE(r.error.find("scheme"), std::string::npos) << r.error;
  r = post(ioc, make_spec("https://127.0.0.1:1/hook", "{}"), nullptr);
  EXPECT_EQ(r.error, "https URL but no TLS client context");
  EXPECT_EQ(r.status, 0);
}

// A self-signed certificate for IP 127.0.0.1 only, made at run time.
// Keep-alive: a pool's connection carries the next request to the same receiver.
TEST(HttpPostPool, KeptAliveConnectionCarriesTheNextRequests) {
  asio::io_context ioc;
  TestHttpServer server(ioc, [](const auto&) { return Reply::respond(200, "{}"); });
  ConnectionPool pool(ioc.get_executor());
  for (int i = 0; i < 3; ++i) {
    auto r = post(ioc, make_spec(server.url("/n")), nullptr, &pool);
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.connection,
              i == 0 ? HttpResult::Connection::Opened : HttpResult::Connection::Reused);
    EXPECT_EQ(pool.idle(), 1u);
  }
  ASSERT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(server.connections(), 1u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(server.requests()[i].on_connection, i);
    EXPECT_EQ(server.requests()[i].header("connection"), "");  // HTTP/1.1: kept alive
  }
}

TEST(HttpPostPool, AnAnswerThatEndsTheConnectionIsNotParked) {
  asio::io_context ioc;
  // "Connection: close", then a body delimited by the end of the connection.
  TestHttpServer close_header(ioc, [](const auto&) {
    return Reply::raw_bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });
  TestHttpServer no_length(
      ioc, [](const auto&) { return Reply::raw_bytes("HTTP/1.1 200 OK\r\n\r\n{}"); });
  ConnectionPool pool(ioc.get_executor());
  for (auto* server : {&close_header, &no_length}) {
    for (int i = 0; i < 2; ++i) {
      auto r = post(ioc, make_spec(server->url("/")), nullptr, &pool);
      EXPECT_TRUE(r.ok()) << r.error;
      EXPECT_EQ(r.connection, HttpResult::Connection::Opened);
      EXPECT_EQ(pool.idle(), 0u);
    }
    EXPECT_EQ(server->connections(), 2u);
  }
}

TEST(HttpPostPool, AConnectionTheReceiverClosedIsNotUsed) {
  asio::io_context ioc;
  TestHttpServer server(ioc, [](const auto&) { return Reply::respond_then_close(200); });
  ConnectionPool pool(ioc.get_executor());
  auto r1 = post(ioc, make_spec(server.url("/")), nullptr, &pool);
  EXPECT_TRUE(r1.ok()) << r1.error;
  EXPECT_EQ(pool.idle(), 1u);  // the answer allowed it; the close comes after
  ASSERT_TRUE(webhook_test::run_until(ioc, [&] { return server.closed() == 1; }));
  auto r2 = post(ioc, make_spec(server.url("/")), nullptr, &pool);
  EXPECT_TRUE(r2.ok()) << r2.error;
  EXPECT_EQ(r2.connection, HttpResult::Connection::Opened);
  EXPECT_EQ(server.requests().size(), 2u);  // seen closed before the request went out
}

TEST(HttpPostPool, ARequestOnAConnectionClosedUnderItGoesOnceMoreOnANewOne) {
  asio::io_context ioc;
  // The receiver closes a kept-alive connection as the second request arrives on it (its own
  // idle timeout firing at that moment): nothing comes back.
  TestHttpServer server(ioc, [](const RecordedRequest& r) {
    return r.on_connection > 0 ? Reply::drop() : Reply::respond(200, "{}");
  });
  ConnectionPool pool(ioc.get_executor());
  EXPECT_TRUE(post(ioc, make_spec(server.url("/a")), nullptr, &pool).ok());
  auto r = post(ioc, make_spec(server.url("/b")), nullptr, &pool);
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.connection, HttpResult::Connection::Opened);
  ASSERT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(server.requests()[1].target, "/b");
  EXPECT_EQ(server.requests()[2].target, "/b");
  EXPECT_EQ(server.requests()[2].connection, 1u);
  EXPECT_EQ(server.connections(), 2u);
}

TEST(HttpPostPool, AnAnswerAfterAReusedRequestIsNotSentTwice) {
  asio::io_context ioc;
  // A 500 on a kept-alive connection is the receiver's answer: no second request.
  TestHttpServer server(ioc, [](const RecordedRequest& r) {
    return Reply::respond(r.on_connection > 0 ? 500 : 200);
  });
  ConnectionPool pool(ioc.get_executor());
  EXPECT_TRUE(post(ioc, make_spec(server.url("/")), nullptr, &pool).ok());
  auto r = post(ioc, make_spec(server.url("/")), nullptr, &pool);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.connection, HttpResult::Connection::Reused);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(HttpPostPool, IdleConnectionsCloseAfterTheIdleTimeout) {
  asio::io_context ioc;
  TestHttpServer server(ioc, [](const auto&) { return Reply::respond(200); });
  ConnectionPool::Limits limits;
  limits.idle_timeout = Duration(100);
  ConnectionPool pool(ioc.get_executor(), limits);
  EXPECT_TRUE(post(ioc, make_spec(server.url("/")), nullptr, &pool).ok());
  EXPECT_EQ(pool.idle(), 1u);
  // The pool's timer closes it; the server sees the close.
  ASSERT_TRUE(webhook_test::run_until(ioc, [&] { return server.closed() == 1; }));
  EXPECT_EQ(pool.idle(), 0u);
  auto r = post(ioc, make_spec(server.url("/")), nullptr, &pool);
  EXPECT_EQ(r.connection, HttpResult::Connection::Opened);
  EXPECT_EQ(server.connections(), 2u);
}

TEST(HttpPostPool, ParksAtMostMaxIdlePerHostAndNothingWithoutKeepAlive) {
  asio::io_context ioc;
  TestHttpServer server(ioc, [](const auto&) { return Reply::respond(200); });
  ConnectionPool::Limits limits;
  limits.max_idle_per_host = 2;
  ConnectionPool pool(ioc.get_executor(), limits);
  // Five requests at once: five connections, two parked afterwards.
  int done = 0;
  for (int i = 0; i < 5; ++i)
    asio::co_spawn(ioc, http_post(make_spec(server.url("/")), nullptr, &pool),
                   [&](std::exception_ptr, HttpResult r) { done += r.ok(); });
  ASSERT_TRUE(webhook_test::run_until(ioc, [&] { return done == 5; }));
  EXPECT_EQ(server.connections(), 5u);
  EXPECT_EQ(pool.idle(), 2u);
  ASSERT_TRUE(webhook_test::run_until(ioc, [&] { return server.closed() == 3; }));

  limits.idle_timeout = Duration(0);  // keep-alive off: the idle ones close, none is parked
  pool.set_limits(limits);
  EXPECT_EQ(pool.idle(), 0u);
  auto r = post(ioc, make_spec(server.url("/")), nullptr, &pool);
  EXPECT_EQ(r.connection, HttpResult::Connection::Opened);
  EXPECT_EQ(server.requests().back().header("connection"), "close");
  EXPECT_EQ(pool.idle(), 0u);
}

struct TestCert {
  std::string cert_pem, key_pem;
};

TestCert make_self_signed_cert() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("firstmile test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, key, EVP_sha256());
  auto pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
  };
  TestCert out{pem([&](BIO* b) { PEM_write_bio_X509(b, x); }), pem([&](BIO* b) {
                 PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
               })};
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

class HttpsPost : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = make_self_signed_cert();
    server_tls_.use_certificate_chain(asio::buffer(cert_.cert_pem));
    server_tls_.use_private_key(asio::buffer(cert_.key_pem), asio::ssl::context::pem);
  }
  TestCert cert_;
  asio::ssl::context server_tls_{asio::ssl::context::tls_server};
  asio::io_context ioc_;
};

TEST_F(HttpsPost, TrustedSelfSignedCertificate) {
  TestHttpServer server(
      ioc_, [](const auto&) { return Reply::respond(204); }, &server_tls_);
  asio::ssl::context client(asio::ssl::context::tls_client);
  client.add_certificate_authority(asio::buffer(cert_.cert_pem));
  client.set_verify_mode(asio::ssl::verify_peer);
  auto r = post(ioc_, make_spec(server.url("/tls?x=1"), "{\"a\":1}"), &client);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 204);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].body, "{\"a\":1}");
  EXPECT_EQ(server.requests()[0].target, "/tls?x=1");
}

TEST_F(HttpsPost, KeptAliveTlsConnectionCarriesTheNextRequest) {
  TestHttpServer server(
      ioc_, [](const auto&) { return Reply::respond(200, "{}"); }, &server_tls_);
  asio::ssl::context client(asio::ssl::context::tls_client);
  client.add_certificate_authority(asio::buffer(cert_.cert_pem));
  client.set_verify_mode(asio::ssl::verify_peer);
  ConnectionPool pool(ioc_.get_executor());
  auto r1 = post(ioc_, make_spec(server.url("/1")), &client, &pool);
  auto r2 = post(ioc_, make_spec(server.url("/2")), &client, &pool);
  EXPECT_TRUE(r1.ok()) << r1.error;
  EXPECT_TRUE(r2.ok()) << r2.error;
  EXPECT_EQ(r2.connection, HttpResult::Connection::Reused);
  EXPECT_EQ(server.connections(), 1u);  // one TLS handshake for both
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[1].target, "/2");
}

TEST_F(HttpsPost, UntrustedCertificateIsRefused) {
  TestHttpServer server(
      ioc_, [](const auto&) { return Reply::respond(200); }, &server_tls_);
  auto client = make_client_tls_context();  // system CAs: our certificate is unknown
  auto r = post(ioc_, make_spec(server.url("/"), "{}"), client.get());
  EXPECT_NE(r.error.find("tls handshake"), std::string::npos) << r.error;
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpsPost, CertificateForAnotherHostIsRefused) {
  TestHttpServer server(
      ioc_, [](const auto&) { return Reply::respond(200); }, &server_tls_);
  asio::ssl::context client(asio::ssl::context::tls_client);
  client.add_certificate_authority(asio::buffer(cert_.cert_pem));
  client.set_verify_mode(asio::ssl::verify_peer);
  // Trusted chain, but the certificate names 127.0.0.1, not "localhost".
  auto r = post(ioc_, make_spec("https://localhost:" + std::to_string(server.port()) + "/", "{}"),
                &client);
  EXPECT_NE(r.error.find("tls handshake"), std::string::npos) << r.error;
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace firstmile::control
