package io.lengthguard.benchmarks;

import io.lengthguard.GuardPolicy;
import io.lengthguard.httpclient5.LengthGuardExecHandler;
import io.lengthguard.okhttp.LengthGuardInterceptor;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import okhttp3.Authenticator;
import okhttp3.Cache;
import okhttp3.Call;
import okhttp3.CertificatePinner;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.CookieJar;
import okhttp3.Dns;
import okhttp3.EventListener;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecRuntime;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the guard costs where it has nothing to do: the OkHttp {@link LengthGuardInterceptor} and
 * the HttpClient 5 {@link LengthGuardExecHandler} on a POST whose body has a known length, against
 * the same fake chain called directly. The chains answer with a response built in advance: no
 * network, no client, only the guard's checks. Targets: at most 20 ns more per call than the
 * baseline, and no byte allocated per call beyond it ({@code gc.alloc.rate.norm} from {@code -prof
 * gc}).
 *
 * <p>{@link #setUp} checks that the request reaching each chain is the caller's own: a guard that
 * copied it would measure some other path.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar GuardOverheadBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// A fixed heap, the same in every benchmark class, so that runs compare across machines.
@Fork(jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class GuardOverheadBenchmark {
  /** Small, as most bodies of known length are; the guard never reads it. */
  private static final int BODY_BYTES = 1024;

  private static final String URL = "http://127.0.0.1:8080/orders";

  /** Whether the call goes through the guard. */
  public enum Strategy {
    /** The subject: the interceptor or exec handler, then the fake chain. */
    GUARD,
    /** The baseline: the fake chain called directly. */
    NO_GUARD
  }

  @Param public Strategy strategy;

  private LengthGuardInterceptor interceptor;
  private OkHttpChain okhttpChain;

  private LengthGuardExecHandler execHandler;
  private ClassicHttpRequest classicRequest;
  private ExecChain.Scope scope;
  private ClassicChain classicChain;

  @Setup
  public void setUp() throws Exception {
    byte[] body = Data.bytes(BODY_BYTES);

    Request request =
        new Request.Builder()
            .url(URL)
            .header("Accept", "application/json")
            .header("User-Agent", "lengthguard-benchmarks")
            .header("X-Request-Id", "0f8e2c4a")
            .post(RequestBody.create(body, MediaType.get("application/json")))
            .build();
    interceptor = LengthGuardInterceptor.create();
    okhttpChain = new OkHttpChain(request, ok(request), null);

    HttpPost post = new HttpPost(URL);
    post.setHeader("Accept", "application/json");
    post.setHeader("User-Agent", "lengthguard-benchmarks");
    post.setHeader("X-Request-Id", "0f8e2c4a");
    post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
    classicRequest = post;
    execHandler = LengthGuardExecHandler.create(GuardPolicy.defaults());
    scope =
        new ExecChain.Scope(
            "ex-0000000001",
            new HttpRoute(new HttpHost("http", "127.0.0.1", 8080)),
            post,
            unusedRuntime(),
            HttpClientContext.create());
    classicChain = new ClassicChain(new BasicClassicHttpResponse(200, "OK"));

    okhttpInterceptor();
    if (okhttpChain.seen != request) {
      throw new IllegalStateException("OkHttp chain got " + okhttpChain.seen + ", not " + request);
    }
    httpclient5ExecHandler();
    if (classicChain.seen != post || classicChain.seenScope != scope) {
      throw new IllegalStateException("HttpClient chain got a copy of the request or scope");
    }
  }

  /** A call through the OkHttp interceptor, or straight to the chain. */
  @Benchmark
  public Response okhttpInterceptor() throws IOException {
    return strategy == Strategy.GUARD
        ? interceptor.intercept(okhttpChain)
        : okhttpChain.proceed(okhttpChain.request());
  }

  /** A call through the HttpClient 5 exec handler, or straight to the chain. */
  @Benchmark
  public ClassicHttpResponse httpclient5ExecHandler() throws Exception {
    return strategy == Strategy.GUARD
        ? execHandler.execute(classicRequest, scope, classicChain)
        : classicChain.proceed(classicRequest, scope);
  }

  static Response ok(Request request) {
    return new Response.Builder()
        .request(request)
        .protocol(Protocol.HTTP_1_1)
        .code(200)
        .message("OK")
        .build();
  }

  /** Returns a runtime that fails on use: on a body of known length nothing may touch it. */
  private static ExecRuntime unusedRuntime() {
    return (ExecRuntime)
        Proxy.newProxyInstance(
            ExecRuntime.class.getClassLoader(),
            new Class<?>[] {ExecRuntime.class},
            (proxy, method, args) -> {
              throw new UnsupportedOperationException("ExecRuntime." + method.getName());
            });
  }

  /** The rest of an HttpClient exec chain: answers every request with one prepared response. */
  static final class ClassicChain implements ExecChain {
    private final ClassicHttpResponse response;
    @Nullable ClassicHttpRequest seen;
    ExecChain.@Nullable Scope seenScope;

    ClassicChain(ClassicHttpResponse response) {
      this.response = response;
    }

    @Override
    public ClassicHttpResponse proceed(ClassicHttpRequest request, ExecChain.Scope scope) {
      seen = request;
      seenScope = scope;
      return response;
    }
  }

  /**
   * The rest of an OkHttp interceptor chain: answers every request with one prepared response.
   * Nothing but {@link #request()}, {@link #proceed} and, when one is given, {@link #call()} (a
   * guarded body of unknown length asks whether the call was canceled) is used; the rest fails on
   * use.
   */
  static final class OkHttpChain implements Interceptor.Chain {
    private final Request request;
    private final Response response;
    private final @Nullable Call call;
    @Nullable Request seen;

    OkHttpChain(Request request, Response response, @Nullable Call call) {
      this.request = request;
      this.response = response;
      this.call = call;
    }

    @Override
    public Request request() {
      return request;
    }

    @Override
    public Response proceed(Request request) {
      seen = request;
      return response;
    }

    private static UnsupportedOperationException unused(String what) {
      return new UnsupportedOperationException("Interceptor.Chain." + what);
    }

    @Override
    public @Nullable Connection connection() {
      throw unused("connection");
    }

    @Override
    public Call call() {
      if (call == null) throw unused("call");
      return call;
    }

    @Override
    public int connectTimeoutMillis() {
      throw unused("connectTimeoutMillis");
    }

    @Override
    public Interceptor.Chain withConnectTimeout(int timeout, TimeUnit unit) {
      throw unused("withConnectTimeout");
    }

    @Override
    public int readTimeoutMillis() {
      throw unused("readTimeoutMillis");
    }

    @Override
    public Interceptor.Chain withReadTimeout(int timeout, TimeUnit unit) {
      throw unused("withReadTimeout");
    }

    @Override
    public int writeTimeoutMillis() {
      throw unused("writeTimeoutMillis");
    }

    @Override
    public Interceptor.Chain withWriteTimeout(int timeout, TimeUnit unit) {
      throw unused("withWriteTimeout");
    }

    @Override
    public boolean getFollowSslRedirects() {
      throw unused("getFollowSslRedirects");
    }

    @Override
    public boolean getFollowRedirects() {
      throw unused("getFollowRedirects");
    }

    @Override
    public Dns getDns() {
      throw unused("getDns");
    }

    @Override
    public Interceptor.Chain withDns(Dns dns) {
      throw unused("withDns");
    }

    @Override
    public javax.net.SocketFactory getSocketFactory() {
      throw unused("getSocketFactory");
    }

    @Override
    public Interceptor.Chain withSocketFactory(javax.net.SocketFactory socketFactory) {
      throw unused("withSocketFactory");
    }

    @Override
    public boolean getRetryOnConnectionFailure() {
      throw unused("getRetryOnConnectionFailure");
    }

    @Override
    public Interceptor.Chain withRetryOnConnectionFailure(boolean retry) {
      throw unused("withRetryOnConnectionFailure");
    }

    @Override
    public Authenticator getAuthenticator() {
      throw unused("getAuthenticator");
    }

    @Override
    public Interceptor.Chain withAuthenticator(Authenticator authenticator) {
      throw unused("withAuthenticator");
    }

    @Override
    public CookieJar getCookieJar() {
      throw unused("getCookieJar");
    }

    @Override
    public Interceptor.Chain withCookieJar(CookieJar cookieJar) {
      throw unused("withCookieJar");
    }

    @Override
    public @Nullable Cache getCache() {
      throw unused("getCache");
    }

    @Override
    public Interceptor.Chain withCache(@Nullable Cache cache) {
      throw unused("withCache");
    }

    @Override
    public java.net.@Nullable Proxy getProxy() {
      throw unused("getProxy");
    }

    @Override
    public Interceptor.Chain withProxy(java.net.@Nullable Proxy proxy) {
      throw unused("withProxy");
    }

    @Override
    public java.net.ProxySelector getProxySelector() {
      throw unused("getProxySelector");
    }

    @Override
    public Interceptor.Chain withProxySelector(java.net.ProxySelector proxySelector) {
      throw unused("withProxySelector");
    }

    @Override
    public Authenticator getProxyAuthenticator() {
      throw unused("getProxyAuthenticator");
    }

    @Override
    public Interceptor.Chain withProxyAuthenticator(Authenticator proxyAuthenticator) {
      throw unused("withProxyAuthenticator");
    }

    @Override
    public javax.net.ssl.@Nullable SSLSocketFactory getSslSocketFactoryOrNull() {
      throw unused("getSslSocketFactoryOrNull");
    }

    @Override
    public Interceptor.Chain withSslSocketFactory(
        javax.net.ssl.@Nullable SSLSocketFactory sslSocketFactory,
        javax.net.ssl.@Nullable X509TrustManager trustManager) {
      throw unused("withSslSocketFactory");
    }

    @Override
    public javax.net.ssl.@Nullable X509TrustManager getX509TrustManagerOrNull() {
      throw unused("getX509TrustManagerOrNull");
    }

    @Override
    public javax.net.ssl.HostnameVerifier getHostnameVerifier() {
      throw unused("getHostnameVerifier");
    }

    @Override
    public Interceptor.Chain withHostnameVerifier(javax.net.ssl.HostnameVerifier verifier) {
      throw unused("withHostnameVerifier");
    }

    @Override
    public CertificatePinner getCertificatePinner() {
      throw unused("getCertificatePinner");
    }

    @Override
    public Interceptor.Chain withCertificatePinner(CertificatePinner certificatePinner) {
      throw unused("withCertificatePinner");
    }

    @Override
    public ConnectionPool getConnectionPool() {
      throw unused("getConnectionPool");
    }

    @Override
    public Interceptor.Chain withConnectionPool(ConnectionPool connectionPool) {
      throw unused("withConnectionPool");
    }

    @Override
    public EventListener getEventListener() {
      throw unused("getEventListener");
    }
  }
}
