package dev.midge.broker.auth;

import dev.midge.codec.reason.ConnackReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A simple challenge-response mechanism for tests, Authentication Method {@value #METHOD}. Users
 * have secrets. The client's first Authentication Data is either {@code user:secret}, which
 * succeeds at once (one step: CONNECT, CONNACK), or {@code user}, which gets {@code rounds}
 * challenges {@code challenge-<k>} (AUTH 0x18), each to be answered with {@code secret:challenge}
 * (AUTH 0x18), then success. Success carries {@code welcome <user>} and reports the user as the
 * identity; a wrong secret or an unknown user is a failure 0x87 with the reason string {@code
 * wrong secret}.
 *
 * <p>Special first data: {@code hang} gets a stage that completes only when the test completes
 * {@link #hung}; {@code throw} makes the step throw. With {@code async}, every result completes on
 * a thread of the common pool, not on the connection's event loop.
 *
 * <p>It records the contexts it was given and how many exchanges were abandoned.
 */
public final class ChallengeResponseMechanism implements AuthenticationMechanism {
  public static final String METHOD = "CHALLENGE-RESPONSE";

  /** The stage given to a client whose first data is {@code hang}. */
  public final CompletableFuture<AuthenticationResult> hung = new CompletableFuture<>();
  /** Every context {@link #begin} got, in order. */
  public final List<AuthenticationContext> contexts = new CopyOnWriteArrayList<>();
  /** Exchanges abandoned by the broker. */
  public final AtomicInteger abandoned = new AtomicInteger();

  private final Map<String, String> secrets;
  private final int rounds;
  private final boolean async;

  public ChallengeResponseMechanism(Map<String, String> secrets, int rounds, boolean async) {
    this.secrets = Map.copyOf(secrets);
    this.rounds = rounds;
    this.async = async;
  }

  @Override
  public String method() {
    return METHOD;
  }

  @Override
  public AuthenticationExchange begin(AuthenticationContext context) {
    contexts.add(context);
    return new AuthenticationExchange() {
      private @Nullable String user;
      private int round;
      private String challenge = "";

      @Override
      public CompletionStage<AuthenticationResult> step(byte @Nullable [] data) {
        String text = data == null ? "" : new String(data, StandardCharsets.UTF_8);
        if (user == null) {
          if (text.equals("hang")) {
            return hung;
          }
          if (text.equals("throw")) {
            throw new IllegalStateException("the test mechanism was asked to throw");
          }
          int colon = text.indexOf(':');
          if (colon >= 0) {
            user = text.substring(0, colon);
            return text.substring(colon + 1).equals(secrets.get(user))
                ? success() : result(wrong());
          }
          user = text;
          return secrets.containsKey(text) ? challenge() : result(wrong());
        }
        if (!text.equals(secrets.get(user) + ":" + challenge)) {
          return result(wrong());
        }
        return round < rounds ? challenge() : success();
      }

      private CompletionStage<AuthenticationResult> challenge() {
        round++;
        challenge = "challenge-" + round;
        return result(new AuthenticationResult.Continue(
            challenge.getBytes(StandardCharsets.UTF_8)));
      }

      private CompletionStage<AuthenticationResult> success() {
        return result(new AuthenticationResult.Success(
            ("welcome " + user).getBytes(StandardCharsets.UTF_8), user));
      }

      @Override
      public void abandon() {
        abandoned.incrementAndGet();
      }
    };
  }

  private static AuthenticationResult wrong() {
    return new AuthenticationResult.Failure(ConnackReasonCode.NOT_AUTHORIZED, "wrong secret");
  }

  private CompletionStage<AuthenticationResult> result(AuthenticationResult r) {
    return async ? CompletableFuture.supplyAsync(() -> r) : CompletableFuture.completedFuture(r);
  }
}
