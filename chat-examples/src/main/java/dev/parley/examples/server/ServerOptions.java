package dev.parley.examples.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Everything the chat server can be told, as flags; each flag also reads an environment variable
 * (shown in {@code --help}), and a flag given on the command line wins over the variable.
 */
@Command(
    name = "parley-server",
    mixinStandardHelpOptions = true,
    version = "Parley chat server 0.1.0",
    sortOptions = false,
    usageHelpWidth = 110,
    description = {
        "Parley's example chat server: REST + Server-Sent Events, WebSocket rooms, an OpenAI-compatible API,",
        "/health, /metrics and a browser page, on one port.",
        "",
        "With no model configured it runs on Parley's fake model and says so on every page."})
public final class ServerOptions {
  @Option(names = "--host", defaultValue = "${env:PARLEY_HOST:-127.0.0.1}",
      description = "Address to listen on (env PARLEY_HOST). Default: ${DEFAULT-VALUE}")
  String host;

  @Option(names = "--port", defaultValue = "${env:PARLEY_PORT:-8080}",
      description = "Port to listen on; 0 picks a free one (env PARLEY_PORT). Default: ${DEFAULT-VALUE}")
  int port;

  @Option(names = "--model", defaultValue = "${env:PARLEY_MODEL}",
      description = "A GGUF file, an https:// URL, or a Hugging Face reference owner/repo/file.gguf "
          + "(downloaded once into ~/.cache/parley/models, or $PARLEY_CACHE_DIR) (env PARLEY_MODEL).")
  @Nullable String model;

  @Option(names = "--model-sha256", defaultValue = "${env:PARLEY_MODEL_SHA256}",
      description = "Expected SHA-256 of a downloaded model (env PARLEY_MODEL_SHA256).")
  @Nullable String modelSha256;

  @Option(names = "--fake-model", defaultValue = "${env:PARLEY_FAKE_MODEL:-false}",
      description = "Use the fake model even if a model is configured (env PARLEY_FAKE_MODEL).")
  boolean fakeModel;

  @Option(names = "--fake-token-delay-ms", defaultValue = "${env:PARLEY_FAKE_TOKEN_DELAY_MS:-20}",
      description = "Milliseconds between the fake model's tokens. Default: ${DEFAULT-VALUE}")
  long fakeTokenDelayMs;

  @Option(names = "--slots", defaultValue = "${env:PARLEY_SLOTS:-4}",
      description = "Replies generated at once by the model (env PARLEY_SLOTS). Default: ${DEFAULT-VALUE}")
  int slots;

  @Option(names = "--context-size", defaultValue = "${env:PARLEY_CONTEXT_SIZE:-2048}",
      description = "Tokens of context per slot (env PARLEY_CONTEXT_SIZE). Default: ${DEFAULT-VALUE}")
  int contextSize;

  @Option(names = "--threads", defaultValue = "${env:PARLEY_THREADS:-0}",
      description = "CPU threads for the model; 0 = one per physical core (env PARLEY_THREADS).")
  int threads;

  @Option(names = "--max-reply-tokens", defaultValue = "${env:PARLEY_MAX_REPLY_TOKENS:-256}",
      description = "Longest reply, in tokens (env PARLEY_MAX_REPLY_TOKENS). Default: ${DEFAULT-VALUE}")
  int maxReplyTokens;

  @Option(names = "--system-prompt", defaultValue = "${env:PARLEY_SYSTEM_PROMPT:-You are a helpful assistant.}",
      description = "System message pinned at the top of every new conversation (env PARLEY_SYSTEM_PROMPT).")
  String systemPrompt;

  @Option(names = "--db", defaultValue = "${env:PARLEY_DB:-jdbc:sqlite:parley-chat.db}",
      description = "Conversation store: jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DB (env PARLEY_DB). "
          + "Default: ${DEFAULT-VALUE} (created on first run)")
  String db;

  @Option(names = "--db-user", defaultValue = "${env:PARLEY_DB_USER}", description = "Database user (env PARLEY_DB_USER).")
  @Nullable String dbUser;

  @Option(names = "--db-password", defaultValue = "${env:PARLEY_DB_PASSWORD}",
      description = "Database password (env PARLEY_DB_PASSWORD).")
  @Nullable String dbPassword;

  @Option(names = "--redis-url", defaultValue = "${env:REDIS_URL}",
      description = "redis://HOST:PORT: share rate limits with every instance using it (env REDIS_URL).")
  @Nullable String redisUrl;

  @Option(names = "--redis-timeout-ms", defaultValue = "${env:PARLEY_REDIS_TIMEOUT_MS:-100}",
      description = "The longest a rate-limit decision waits for Redis before this instance decides alone "
          + "(env PARLEY_REDIS_TIMEOUT_MS). Default: ${DEFAULT-VALUE}")
  int redisTimeoutMs;

  @Option(names = "--api-keys", defaultValue = "${env:PARLEY_API_KEYS}", split = ",",
      description = "API keys as KEY=USER, comma-separated (env PARLEY_API_KEYS). With neither keys nor a JWT "
          + "secret, the server makes one key for user 'local' and prints a link that carries it.")
  List<String> apiKeys = new ArrayList<>();

  @Option(names = "--jwt-secret", defaultValue = "${env:PARLEY_JWT_SECRET}",
      description = "Accept HS256 JWTs signed with this secret; the user is the 'sub' claim (env PARLEY_JWT_SECRET).")
  @Nullable String jwtSecret;

  @Option(names = "--jwt-issuer", defaultValue = "${env:PARLEY_JWT_ISSUER}",
      description = "Accept only JWTs whose 'iss' claim is this (env PARLEY_JWT_ISSUER). Any issuer by default.")
  @Nullable String jwtIssuer;

  @Option(names = "--jwt-audience", defaultValue = "${env:PARLEY_JWT_AUDIENCE}",
      description = "Accept only JWTs whose 'aud' claim holds this (env PARLEY_JWT_AUDIENCE). Any audience by default.")
  @Nullable String jwtAudience;

  @Option(names = "--cors-origins", defaultValue = "${env:PARLEY_CORS_ORIGINS}", split = ",",
      description = "Origins allowed to call the API from a browser, e.g. https://app.example.com (env PARLEY_CORS_ORIGINS). None by default.")
  List<String> corsOrigins = new ArrayList<>();

  @Option(names = "--requests-per-minute", defaultValue = "${env:PARLEY_REQUESTS_PER_MINUTE:-20}",
      description = "Messages a user may send per minute (env PARLEY_REQUESTS_PER_MINUTE). Default: ${DEFAULT-VALUE}")
  int requestsPerMinute;

  @Option(names = "--requests-per-day", defaultValue = "${env:PARLEY_REQUESTS_PER_DAY:-500}",
      description = "Messages a user may send per day (env PARLEY_REQUESTS_PER_DAY). Default: ${DEFAULT-VALUE}")
  int requestsPerDay;

  @Option(names = "--tokens-per-day", defaultValue = "${env:PARLEY_TOKENS_PER_DAY:-200000}",
      description = "LLM tokens (prompt + reply) a user may spend per day, charged when each reply ends; 0: no quota "
          + "(env PARLEY_TOKENS_PER_DAY). Default: ${DEFAULT-VALUE}")
  long tokensPerDay;

  @Option(names = "--max-message-chars", defaultValue = "${env:PARLEY_MAX_MESSAGE_CHARS:-8000}",
      description = "Longest message a user may send (env PARLEY_MAX_MESSAGE_CHARS). Default: ${DEFAULT-VALUE}")
  int maxMessageChars;

  @Option(names = "--max-body-bytes", defaultValue = "${env:PARLEY_MAX_BODY_BYTES:-65536}",
      description = "Largest request body (env PARLEY_MAX_BODY_BYTES). Default: ${DEFAULT-VALUE}")
  long maxBodyBytes;

  @Option(names = "--max-frame-bytes", defaultValue = "${env:PARLEY_MAX_FRAME_BYTES:-65536}",
      description = "Largest WebSocket frame (env PARLEY_MAX_FRAME_BYTES). Default: ${DEFAULT-VALUE}")
  int maxFrameBytes;

  @Option(names = "--max-conversations-per-user", defaultValue = "${env:PARLEY_MAX_CONVERSATIONS_PER_USER:-1000}",
      description = "Conversations one user may keep; creating more answers 409 until some are deleted "
          + "(env PARLEY_MAX_CONVERSATIONS_PER_USER). Default: ${DEFAULT-VALUE}")
  int maxConversationsPerUser;

  @Option(names = "--ws-max-queued-bytes", defaultValue = "${env:PARLEY_WS_MAX_QUEUED_BYTES:-1048576}",
      description = "Bytes a WebSocket may have waiting to be sent; a client that reads slower is closed with 1008 "
          + "(env PARLEY_WS_MAX_QUEUED_BYTES). Default: ${DEFAULT-VALUE}")
  long wsMaxQueuedBytes;

  @Option(names = "--ws-max-per-user", defaultValue = "${env:PARLEY_WS_MAX_PER_USER:-16}",
      description = "WebSockets one user may hold open at once; more are closed with 1008 (env PARLEY_WS_MAX_PER_USER). "
          + "Default: ${DEFAULT-VALUE}")
  int wsMaxPerUser;

  @Option(names = "--max-open-requests-per-user", defaultValue = "${env:PARLEY_MAX_OPEN_REQUESTS_PER_USER:-16}",
      description = "HTTP requests one user may have open at once (slow bodies, streaming replies); more answer 429 "
          + "before their body is read (env PARLEY_MAX_OPEN_REQUESTS_PER_USER). Default: ${DEFAULT-VALUE}")
  int maxOpenRequestsPerUser;

  @Option(names = "--min-body-bytes-per-second", defaultValue = "${env:PARLEY_MIN_BODY_BYTES_PER_SECOND:-1024}",
      description = "The slowest a request body may arrive, counted for each request from its start once the grace "
          + "period is over; a slower one is cut off with 408 (env PARLEY_MIN_BODY_BYTES_PER_SECOND). 0 turns the "
          + "check off. Default: ${DEFAULT-VALUE}")
  long minBodyBytesPerSecond;

  @Option(names = "--min-body-grace-ms", defaultValue = "${env:PARLEY_MIN_BODY_GRACE_MS:-5000}",
      description = "How long a request body may take before --min-body-bytes-per-second applies to it "
          + "(env PARLEY_MIN_BODY_GRACE_MS). Default: ${DEFAULT-VALUE}")
  long minBodyGraceMs;

  @Option(names = "--ws-max-frames-per-second", defaultValue = "${env:PARLEY_WS_MAX_FRAMES_PER_SECOND:-20}",
      description = "Frames one WebSocket may send a second (bursts of as many); a flood is closed with 1008 "
          + "(env PARLEY_WS_MAX_FRAMES_PER_SECOND). Default: ${DEFAULT-VALUE}")
  int wsMaxFramesPerSecond;

  @Option(names = "--room-history", defaultValue = "${env:PARLEY_ROOM_HISTORY:-50}",
      description = "Messages of a room's history sent in one frame, on joining and per {\"type\": \"history\"} "
          + "request (env PARLEY_ROOM_HISTORY). Default: ${DEFAULT-VALUE}")
  int roomHistory;

  @Option(names = "--ws-idle-seconds", defaultValue = "${env:PARLEY_WS_IDLE_SECONDS:-60}",
      description = "A WebSocket silent this long (pings unanswered) is closed (env PARLEY_WS_IDLE_SECONDS). Default: ${DEFAULT-VALUE}")
  long wsIdleSeconds;

  @Option(names = "--shutdown-seconds", defaultValue = "${env:PARLEY_SHUTDOWN_SECONDS:-10}",
      description = "On SIGTERM, replies in flight get this long to finish before they are cancelled (env PARLEY_SHUTDOWN_SECONDS). Default: ${DEFAULT-VALUE}")
  long shutdownSeconds;

  /** The API keys as key → user. */
  Map<String, String> apiKeyUsers() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String entry : apiKeys) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        throw new IllegalArgumentException("--api-keys entries must be KEY=USER, was '" + entry + "'");
      }
      String user = entry.substring(eq + 1).trim();
      String invalid = Authenticator.validUser(user);
      if (invalid != null) {
        throw new IllegalArgumentException("--api-keys user '" + user + "' cannot be used: " + invalid);
      }
      out.put(entry.substring(0, eq).trim(), user);
    }
    return out;
  }

  Duration shutdownTimeout() {
    return Duration.ofSeconds(shutdownSeconds);
  }

  /** Checks the values that flags cannot type-check; names the flag that is wrong. */
  void validate() {
    positive(port + 1, "--port must be >= 0, was " + port);
    positive(slots, "--slots must be > 0, was " + slots);
    positive(contextSize, "--context-size must be > 0, was " + contextSize);
    positive(maxReplyTokens, "--max-reply-tokens must be > 0, was " + maxReplyTokens);
    if (maxReplyTokens >= contextSize) {
      throw new IllegalArgumentException("--max-reply-tokens must be less than --context-size (" + contextSize
          + "): a reply and its prompt share the context, was " + maxReplyTokens);
    }
    positive(requestsPerMinute, "--requests-per-minute must be > 0, was " + requestsPerMinute);
    positive(requestsPerDay, "--requests-per-day must be > 0, was " + requestsPerDay);
    if (tokensPerDay < 0) {
      throw new IllegalArgumentException("--tokens-per-day must be >= 0 (0: no quota), was " + tokensPerDay);
    }
    positive(redisTimeoutMs, "--redis-timeout-ms must be > 0, was " + redisTimeoutMs);
    positive(maxMessageChars, "--max-message-chars must be > 0, was " + maxMessageChars);
    positive(maxBodyBytes, "--max-body-bytes must be > 0, was " + maxBodyBytes);
    positive(maxFrameBytes, "--max-frame-bytes must be > 0, was " + maxFrameBytes);
    positive(wsIdleSeconds, "--ws-idle-seconds must be > 0, was " + wsIdleSeconds);
    positive(wsMaxQueuedBytes, "--ws-max-queued-bytes must be > 0, was " + wsMaxQueuedBytes);
    positive(wsMaxPerUser, "--ws-max-per-user must be > 0, was " + wsMaxPerUser);
    positive(maxOpenRequestsPerUser, "--max-open-requests-per-user must be > 0, was " + maxOpenRequestsPerUser);
    if (minBodyBytesPerSecond < 0) {
      throw new IllegalArgumentException("--min-body-bytes-per-second must be >= 0, was " + minBodyBytesPerSecond);
    }
    if (minBodyGraceMs < 0) {
      throw new IllegalArgumentException("--min-body-grace-ms must be >= 0, was " + minBodyGraceMs);
    }
    positive(wsMaxFramesPerSecond, "--ws-max-frames-per-second must be > 0, was " + wsMaxFramesPerSecond);
    positive(roomHistory, "--room-history must be > 0, was " + roomHistory);
    positive(maxConversationsPerUser, "--max-conversations-per-user must be > 0, was " + maxConversationsPerUser);
    positive(shutdownSeconds + 1, "--shutdown-seconds must be >= 0, was " + shutdownSeconds);
    if (threads < 0) {
      throw new IllegalArgumentException("--threads must be >= 0, was " + threads);
    }
    if (jwtSecret != null && jwtSecret.length() < 32) {
      throw new IllegalArgumentException("--jwt-secret must be at least 32 characters (256 bits) for HS256");
    }
    apiKeyUsers();
  }

  private static void positive(long value, String message) {
    if (value <= 0) {
      throw new IllegalArgumentException(message);
    }
  }
}
