package io.lengthguard.jdk;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A client that records each call it gets, by method, and the requests it is asked to send, then
 * hands each call to a real client. The lifecycle methods of Java 21 are declared without
 * {@code @Override}, as in the class under test, and recorded only.
 */
class RecordingClient extends HttpClient {
  private final HttpClient real;
  private final List<String> calls = new ArrayList<>();
  private final List<HttpRequest> requests = new ArrayList<>();

  RecordingClient(HttpClient real) {
    this.real = real;
  }

  synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  synchronized List<HttpRequest> requests() {
    return List.copyOf(requests);
  }

  private synchronized void record(String call) {
    calls.add(call);
  }

  private synchronized void record(String call, HttpRequest request) {
    calls.add(call);
    requests.add(request);
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    record("cookieHandler()");
    return real.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    record("connectTimeout()");
    return real.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    record("followRedirects()");
    return real.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    record("proxy()");
    return real.proxy();
  }

  @Override
  public SSLContext sslContext() {
    record("sslContext()");
    return real.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    record("sslParameters()");
    return real.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    record("authenticator()");
    return real.authenticator();
  }

  @Override
  public Version version() {
    record("version()");
    return real.version();
  }

  @Override
  public Optional<Executor> executor() {
    record("executor()");
    return real.executor();
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    record("send(HttpRequest,BodyHandler)", request);
    return real.send(request, handler);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    record("sendAsync(HttpRequest,BodyHandler)", request);
    return real.sendAsync(request, handler);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
    record("sendAsync(HttpRequest,BodyHandler,PushPromiseHandler)", request);
    return real.sendAsync(request, handler, pushPromiseHandler);
  }

  @Override
  public WebSocket.Builder newWebSocketBuilder() {
    record("newWebSocketBuilder()");
    return real.newWebSocketBuilder();
  }

  // Java 21's lifecycle methods: recorded, never passed on, so the real client stays open.

  public void close() {
    record("close()");
  }

  public void shutdown() {
    record("shutdown()");
  }

  public void shutdownNow() {
    record("shutdownNow()");
  }

  public boolean awaitTermination(Duration duration) {
    record("awaitTermination(Duration)");
    return true;
  }

  public boolean isTerminated() {
    record("isTerminated()");
    return true;
  }
}
