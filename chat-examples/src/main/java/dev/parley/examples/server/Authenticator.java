package dev.parley.examples.server;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.auth0.jwt.interfaces.Verification;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Tells who is calling: an API key (compared in constant time) or an HS256 JWT whose {@code sub}
 * claim names the user. A JWT must carry {@code exp} (a token that never expires is refused) and,
 * when configured, the expected {@code iss} and {@code aud}. Both arrive as {@code Authorization: Bearer ...}; an API key may also come
 * as {@code X-API-Key}. Browsers cannot set headers on a WebSocket, so the WebSocket routes also
 * read {@code ?access_token=}.
 */
final class Authenticator {
  private final Map<String, String> apiKeys;
  private final @Nullable JWTVerifier jwt;

  Authenticator(Map<String, String> apiKeys, @Nullable String jwtSecret, @Nullable String issuer,
      @Nullable String audience) {
    this.apiKeys = Map.copyOf(apiKeys);
    if (jwtSecret == null) {
      this.jwt = null;
      return;
    }
    Verification v = JWT.require(Algorithm.HMAC256(jwtSecret)).acceptLeeway(5).withClaimPresence("exp");
    if (issuer != null && !issuer.isBlank()) {
      v.withIssuer(issuer);
    }
    if (audience != null && !audience.isBlank()) {
      v.withAudience(audience);
    }
    this.jwt = v.build();
  }

  /** The user the credential names, or empty when it names none. */
  Optional<String> user(@Nullable String credential) {
    if (credential == null || credential.isBlank()) {
      return Optional.empty();
    }
    byte[] given = credential.getBytes(StandardCharsets.UTF_8);
    String found = null;
    for (Map.Entry<String, String> e : apiKeys.entrySet()) {
      // Every key is compared, each in constant time, so timing tells nothing about which matched.
      if (MessageDigest.isEqual(given, e.getKey().getBytes(StandardCharsets.UTF_8))) {
        found = e.getValue();
      }
    }
    if (found != null) {
      return Optional.of(found);
    }
    if (jwt != null && credential.chars().filter(ch -> ch == '.').count() == 2) {
      try {
        DecodedJWT token = jwt.verify(credential);
        String subject = token.getSubject();
        return validUser(subject) == null ? Optional.of(subject) : Optional.empty();
      } catch (JWTVerificationException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** The longest user name (a JWT's {@code sub}, an API key's user): the store's owner column. */
  static final int MAX_USER_LENGTH = 200;
  /** The name the model speaks as in rooms: no caller may have it. */
  static final String RESERVED_USER = "ai";

  /** Why {@code user} cannot be a user name, or null if it can. */
  static @Nullable String validUser(@Nullable String user) {
    if (user == null || user.isBlank()) {
      return "it is empty";
    }
    if (user.length() > MAX_USER_LENGTH) {
      return "it is longer than " + MAX_USER_LENGTH + " characters";
    }
    if (user.chars().anyMatch(ch -> Character.isISOControl(ch) || Character.getType(ch) == Character.FORMAT)) {
      return "it holds a control or formatting character";
    }
    if (user.equalsIgnoreCase(RESERVED_USER)) {
      return "'" + RESERVED_USER + "' is the model's name in rooms";
    }
    return null;
  }

  /** The credential in an {@code Authorization: Bearer} or {@code X-API-Key} header. */
  static @Nullable String credential(@Nullable String authorization, @Nullable String apiKeyHeader) {
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return authorization.substring(7).trim();
    }
    return apiKeyHeader;
  }
}
