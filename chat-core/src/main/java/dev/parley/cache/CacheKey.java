package dev.parley.cache;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolSpecification;
import dev.parley.core.internal.Checks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The SHA-256 of a request as the cache sees it: the model id, each message's role, normalized
 * content (Unicode NFC, surrounding whitespace stripped; timestamps and metadata left out), tool
 * calls, tool call id and reasoning, and every generation option. Fields are length-prefixed, so no two different requests share an
 * encoding. Two requests with equal keys get the same cached reply.
 */
public record CacheKey(long h0, long h1, long h2, long h3) {

  private static final byte[] VERSION = "parley-response-cache-v3".getBytes(StandardCharsets.UTF_8);

  /** The key of {@code request} to model {@code modelId}. */
  public static CacheKey of(String modelId, ChatRequest request) {
    Checks.notNull(modelId, "modelId");
    Checks.notNull(request, "request");
    MessageDigest sha = sha256();
    sha.update(VERSION);
    putString(sha, modelId);
    putInt(sha, request.messages().size());
    for (Message m : request.messages()) {
      putInt(sha, m.role().ordinal());
      putString(sha, normalize(m.content()));
      putInt(sha, m.toolCalls().size());
      for (ToolCall c : m.toolCalls()) {
        putString(sha, c.id());
        putString(sha, c.name());
        putString(sha, c.arguments());
      }
      putNullable(sha, m.toolCallId());
      putNullable(sha, m.reasoning());
    }
    GenerationOptions o = request.options();
    putInt(sha, o.maxTokens());
    putLong(sha, Double.doubleToLongBits(o.temperature()));
    putLong(sha, Double.doubleToLongBits(o.topP()));
    putInt(sha, o.topK());
    putLong(sha, Double.doubleToLongBits(o.minP()));
    putLong(sha, Double.doubleToLongBits(o.repeatPenalty()));
    putInt(sha, o.seed().isPresent() ? 1 : 0);
    putLong(sha, o.seed().orElse(0));
    putInt(sha, o.stopSequences().size());
    for (String s : o.stopSequences()) {
      putString(sha, s);
    }
    putLong(sha, Double.doubleToLongBits(o.frequencyPenalty()));
    putLong(sha, Double.doubleToLongBits(o.presencePenalty()));
    putInt(sha, o.logitBias().size());
    for (Map.Entry<Integer, Float> e : o.logitBias().entrySet()) {
      putInt(sha, e.getKey());
      putInt(sha, Float.floatToIntBits(e.getValue()));
    }
    putInt(sha, o.tools().size());
    for (ToolSpecification t : o.tools()) {
      putString(sha, t.name());
      putString(sha, t.description());
      putString(sha, t.parameters());
    }
    putInt(sha, o.toolChoice().mode().ordinal());
    putNullable(sha, o.toolChoice().toolName());
    putInt(sha, o.parallelToolCalls() ? 1 : 0);
    putInt(sha, o.thinking() == null ? 2 : o.thinking() ? 1 : 0);
    ResponseFormat f = o.responseFormat();
    putInt(sha, f.type().ordinal());
    putNullable(sha, f.name());
    putNullable(sha, f.schema());
    putInt(sha, f.strict() ? 1 : 0);
    ByteBuffer d = ByteBuffer.wrap(sha.digest());
    return new CacheKey(d.getLong(), d.getLong(), d.getLong(), d.getLong());
  }

  static String normalize(String content) {
    String stripped = content.strip();
    return Normalizer.isNormalized(stripped, Normalizer.Form.NFC)
        ? stripped
        : Normalizer.normalize(stripped, Normalizer.Form.NFC);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static void putString(MessageDigest sha, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    putInt(sha, bytes.length);
    sha.update(bytes);
  }

  private static void putNullable(MessageDigest sha, @Nullable String s) {
    putInt(sha, s == null ? 0 : 1);
    if (s != null) {
      putString(sha, s);
    }
  }

  private static void putInt(MessageDigest sha, int v) {
    sha.update((byte) (v >>> 24));
    sha.update((byte) (v >>> 16));
    sha.update((byte) (v >>> 8));
    sha.update((byte) v);
  }

  private static void putLong(MessageDigest sha, long v) {
    putInt(sha, (int) (v >>> 32));
    putInt(sha, (int) v);
  }

  /** The hash in hex, for logs. */
  @Override
  public String toString() {
    HexFormat hex = HexFormat.of();
    return "CacheKey[" + hex.toHexDigits(h0) + hex.toHexDigits(h1) + hex.toHexDigits(h2)
        + hex.toHexDigits(h3) + "]";
  }
}
