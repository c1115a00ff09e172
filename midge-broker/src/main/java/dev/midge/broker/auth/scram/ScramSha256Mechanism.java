package dev.midge.broker.auth.scram;

import dev.midge.broker.auth.AuthenticationContext;
import dev.midge.broker.auth.AuthenticationExchange;
import dev.midge.broker.auth.AuthenticationMechanism;
import dev.midge.broker.auth.AuthenticationResult;
import dev.midge.codec.reason.ConnackReasonCode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SCRAM-SHA-256 (RFC 5802 with RFC 7677's hash) as the MQTT 5 Authentication Method {@value
 * #METHOD}, the server side: the client proves it knows the password without sending it, and the
 * server proves it knows the user's credentials. The SASL messages travel as Authentication Data,
 * as in the MQTT 5 specification's example (§4.12):
 *
 * <ol>
 *   <li>CONNECT (or AUTH 0x19): client-first-message, {@code n,,n=user,r=<client nonce>};
 *   <li>AUTH 0x18 from the broker: server-first-message, {@code r=<nonce>,s=<salt>,i=<count>};
 *   <li>AUTH 0x18 from the client: client-final-message, {@code c=biws,r=<nonce>,p=<proof>};
 *   <li>CONNACK 0x00 (or AUTH 0x00): server-final-message, {@code v=<server signature>}.
 * </ol>
 *
 * <p>A CONNECT without Authentication Data gets an AUTH 0x18 without data first, to which the
 * client answers with its client-first-message. Successful exchanges report the user name as the
 * identity, so a re-authentication must be by the same user.
 *
 * <pre>{@code
 * ScramCredentialStore users = ScramCredentialStore.of(Map.of(
 *     "alice", ScramCredentials.fromPassword("correct horse battery staple")));
 * MidgeBroker broker = MidgeBroker.builder()
 *     .enhancedAuthentication(new ScramSha256Mechanism(users))
 *     .build().start();
 * }</pre>
 *
 * <p>Failures: a wrong proof, and an unknown user, are 0x86 (Bad User Name or Password), the two
 * indistinguishable to the client (an unknown user is answered with a salt derived from its name
 * and fails at the proof, RFC 5802 §5.1); a message that does not parse, a nonce or channel
 * binding that does not match, channel binding asked for ({@code p=}, not supported: there is no
 * {@code SCRAM-SHA-256-PLUS}), an authorisation identity other than the user, or the reserved
 * {@code m=} attribute are 0x87 (Not authorized). A credential store that fails is 0x88 (Server
 * unavailable). Proofs are compared in constant time. User names and passwords are compared as
 * given, without SASLprep (see {@link ScramCredentials}).
 *
 * <p>Thread-safe: one instance serves every connection; each exchange is confined to its
 * connection. Nonces come from {@link SecureRandom}; tests may give a fixed source.
 */
public final class ScramSha256Mechanism implements AuthenticationMechanism {
  /** The Authentication Method: the SASL mechanism name of RFC 7677. */
  public static final String METHOD = "SCRAM-SHA-256";

  private static final Logger LOG = LoggerFactory.getLogger(ScramSha256Mechanism.class);
  private static final int NONCE_BYTES = 24;
  private static final int MOCK_SALT_LENGTH = 16;

  private final ScramCredentialStore store;
  private final Supplier<String> nonces;
  /** Keys the credentials made up for unknown users, so each gets the same salt every time. */
  private final byte[] unknownUserKey = new byte[32];

  /** The mechanism over this store of users, with nonces from {@link SecureRandom}. */
  public ScramSha256Mechanism(ScramCredentialStore store) {
    this(store, secureNonces());
  }

  /**
   * The mechanism with a source of server nonces, for tests that replay a known exchange (RFC
   * 7677 §3). Each nonce must be unique and unpredictable in real use; it must be printable ASCII
   * without a comma (RFC 5802 §7). The source is called on many event loops at once: thread-safe,
   * and quick.
   */
  public ScramSha256Mechanism(ScramCredentialStore store, Supplier<String> nonceSource) {
    this.store = Objects.requireNonNull(store, "store");
    this.nonces = Objects.requireNonNull(nonceSource, "nonceSource");
    new SecureRandom().nextBytes(unknownUserKey);
  }

  private static Supplier<String> secureNonces() {
    SecureRandom random = new SecureRandom();
    return () -> {
      byte[] b = new byte[NONCE_BYTES];
      random.nextBytes(b);
      return Base64.getEncoder().withoutPadding().encodeToString(b);
    };
  }

  @Override
  public String method() {
    return METHOD;
  }

  @Override
  public AuthenticationExchange begin(AuthenticationContext context) {
    return new Exchange(context);
  }

  /** Credentials for a user the store does not know: they fail, as a wrong password would. */
  private ScramCredentials unknownUser(String username) {
    byte[] name = username.getBytes(StandardCharsets.UTF_8);
    byte[] salt = new byte[MOCK_SALT_LENGTH];
    System.arraycopy(ScramCredentials.hmac(unknownUserKey, concat("salt:", name)), 0, salt, 0,
        salt.length);
    return new ScramCredentials(salt, ScramCredentials.DEFAULT_ITERATIONS,
        ScramCredentials.hmac(unknownUserKey, concat("stored:", name)),
        ScramCredentials.hmac(unknownUserKey, concat("server:", name)));
  }

  private static byte[] concat(String prefix, byte[] b) {
    byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[p.length + b.length];
    System.arraycopy(p, 0, out, 0, p.length);
    System.arraycopy(b, 0, out, p.length, b.length);
    return out;
  }

  /** Thrown while parsing: the client's message is refused with 0x87. */
  private static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** One exchange: client-first, server-first, client-final, server-final. */
  private final class Exchange implements AuthenticationExchange {
    private final AuthenticationContext context;
    private State state = State.START;
    private String gs2Header = "";
    private String clientFirstBare = "";
    private String username = "";
    private String nonce = "";
    private String serverFirst = "";
    private @Nullable ScramCredentials credentials;
    private boolean knownUser;

    Exchange(AuthenticationContext context) {
      this.context = context;
    }

    @Override
    public CompletionStage<AuthenticationResult> step(byte @Nullable [] data) {
      try {
        return switch (state) {
          case START -> {
            if (data == null || data.length == 0) {
              // RFC 4422 §5: no initial response, so an empty challenge asks for it.
              state = State.CLIENT_FIRST;
              yield AuthenticationResult.continueWith(null);
            }
            yield clientFirst(data);
          }
          case CLIENT_FIRST -> clientFirst(data);
          case CLIENT_FINAL -> clientFinal(data);
          case DONE -> throw new IllegalStateException("the exchange has ended");
        };
      } catch (Refused e) {
        state = State.DONE;
        return AuthenticationResult.failure(ConnackReasonCode.NOT_AUTHORIZED, e.getMessage());
      }
    }

    private CompletionStage<AuthenticationResult> clientFirst(byte @Nullable [] data)
        throws Refused {
      String message = text(data, "client-first-message");
      // gs2-header: gs2-cbind-flag "," [ authzid ] ","
      int first = message.indexOf(',');
      int second = first < 0 ? -1 : message.indexOf(',', first + 1);
      if (second < 0) {
        throw new Refused("malformed client-first-message");
      }
      String cbind = message.substring(0, first);
      if (cbind.startsWith("p=")) {
        throw new Refused("channel binding is not supported");
      }
      if (!cbind.equals("n") && !cbind.equals("y")) {
        throw new Refused("malformed client-first-message");
      }
      String authzid = message.substring(first + 1, second);
      gs2Header = message.substring(0, second + 1);
      clientFirstBare = message.substring(second + 1);
      String[] attributes = clientFirstBare.split(",", -1);
      if (attributes.length < 2) {
        throw new Refused("malformed client-first-message");
      }
      if (attributes[0].startsWith("m=")) {
        throw new Refused("mandatory extensions are not supported"); // RFC 5802 §5.1
      }
      username = saslName(value(attributes[0], 'n'));
      if (username.isEmpty()) {
        throw new Refused("empty user name");
      }
      if (!authzid.isEmpty()) {
        if (!authzid.startsWith("a=") || !saslName(authzid.substring(2)).equals(username)) {
          throw new Refused("authorization identity other than the user name");
        }
      }
      String clientNonce = value(attributes[1], 'r');
      if (!isPrintable(clientNonce)) {
        throw new Refused("malformed nonce");
      }
      String serverNonce = nonces.get();
      if (serverNonce == null || !isPrintable(serverNonce)) {
        throw new IllegalStateException("the nonce source gave a nonce that is empty or not"
            + " printable ASCII without ','");
      }
      nonce = clientNonce + serverNonce;
      state = State.CLIENT_FINAL;
      CompletionStage<@Nullable ScramCredentials> lookup =
          Objects.requireNonNull(store.credentials(username), "the credential store returned null");
      return lookup.handle((found, error) -> {
        if (error != null) {
          LOG.warn("client {} ({}): SCRAM credential store failed for user {}",
              context.clientId(), context.remoteAddress(), username, error);
          state = State.DONE;
          return new AuthenticationResult.Failure(ConnackReasonCode.SERVER_UNAVAILABLE, null);
        }
        knownUser = found != null;
        ScramCredentials c = found != null ? found : unknownUser(username);
        credentials = c;
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(c.salt())
            + ",i=" + c.iterations();
        return new AuthenticationResult.Continue(serverFirst.getBytes(StandardCharsets.UTF_8));
      });
    }

    private CompletionStage<AuthenticationResult> clientFinal(byte @Nullable [] data)
        throws Refused {
      state = State.DONE;
      ScramCredentials c = Objects.requireNonNull(credentials);
      String message = text(data, "client-final-message");
      int proofAt = message.lastIndexOf(",p=");
      if (proofAt < 0) {
        throw new Refused("malformed client-final-message");
      }
      String withoutProof = message.substring(0, proofAt);
      String[] attributes = withoutProof.split(",", -1);
      if (attributes.length < 2) {
        throw new Refused("malformed client-final-message");
      }
      byte[] channelBinding = base64(value(attributes[0], 'c'));
      if (!MessageDigest.isEqual(channelBinding, gs2Header.getBytes(StandardCharsets.UTF_8))) {
        throw new Refused("channel binding does not match the client-first-message");
      }
      if (!MessageDigest.isEqual(value(attributes[1], 'r').getBytes(StandardCharsets.UTF_8),
          nonce.getBytes(StandardCharsets.UTF_8))) {
        throw new Refused("nonce does not match");
      }
      byte[] proof = base64(message.substring(proofAt + 3));
      if (proof.length != 32) {
        throw new Refused("malformed proof");
      }
      byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof)
          .getBytes(StandardCharsets.UTF_8);
      byte[] storedKey = c.storedKey();
      byte[] clientSignature = ScramCredentials.hmac(storedKey, authMessage);
      byte[] clientKey = new byte[proof.length];
      for (int i = 0; i < clientKey.length; i++) {
        clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
      }
      // RFC 5802 §3: the proof holds if H(ClientKey) is StoredKey; compared in constant time.
      boolean valid = MessageDigest.isEqual(ScramCredentials.sha256(clientKey), storedKey);
      if (!valid || !knownUser) {
        return AuthenticationResult.failure(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
            "authentication failed");
      }
      byte[] serverSignature = ScramCredentials.hmac(c.serverKey(), authMessage);
      String serverFinal = "v=" + Base64.getEncoder().encodeToString(serverSignature);
      return CompletableFuture.completedFuture(new AuthenticationResult.Success(
          serverFinal.getBytes(StandardCharsets.UTF_8), username));
    }

    @Override
    public void abandon() {
      state = State.DONE;
      credentials = null;
    }
  }

  private enum State {
    START,
    CLIENT_FIRST,
    CLIENT_FINAL,
    DONE
  }

  // ---- parsing (RFC 5802 §7) ----

  private static String text(byte @Nullable [] data, String what) throws Refused {
    if (data == null || data.length == 0) {
      throw new Refused("no " + what);
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data)).toString();
    } catch (CharacterCodingException e) {
      throw new Refused(what + " is not UTF-8");
    }
  }

  /** The value of {@code attribute}, which must be {@code name=value}. */
  private static String value(String attribute, char name) throws Refused {
    if (attribute.length() < 2 || attribute.charAt(0) != name || attribute.charAt(1) != '=') {
      throw new Refused("expected attribute " + name + "=");
    }
    return attribute.substring(2);
  }

  /** A saslname with its escapes decoded: {@code =2C} is ',', {@code =3D} is '='. */
  private static String saslName(String s) throws Refused {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '=') {
        if (s.startsWith("=2C", i)) {
          b.append(',');
        } else if (s.startsWith("=3D", i)) {
          b.append('=');
        } else {
          throw new Refused("malformed user name"); // RFC 5802 §5.1: other escapes fail
        }
        i += 2;
      } else {
        b.append(ch);
      }
    }
    return b.toString();
  }

  /** RFC 5802 §7 {@code printable}: 0x21 to 0x7E but ','; not empty. */
  private static boolean isPrintable(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x21 || ch > 0x7E || ch == ',') {
        return false;
      }
    }
    return true;
  }

  private static byte[] base64(String s) throws Refused {
    try {
      return Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new Refused("malformed base64");
    }
  }
}
