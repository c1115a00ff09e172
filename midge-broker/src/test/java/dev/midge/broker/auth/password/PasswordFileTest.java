package dev.midge.broker.auth.password;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.auth.AuthFileException;
import dev.midge.broker.auth.Credentials;
import dev.midge.broker.auth.PasswordAuthenticator.Verdict;
import dev.midge.testkit.ExternalTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mosquitto 2's password file: its hashes, its lines, and files mosquitto_passwd writes. */
class PasswordFileTest {
  @TempDir Path dir;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void parse_whenMosquittoHashes_thenPasswordsMatch() throws Exception {
    // Written by mosquitto_passwd 2.0.11: $7$ by default, $6$ with -H sha512.
    PasswordHash seven = PasswordHash.parse("$7$101$xSvi7JzGFXsKn8W0$85JHYHkE4NZ+eH3Yo+/oYYVJ5gc"
        + "nt2ofC2BVzhcGd6Cyie01znMmHUsFYyajJWCEP4UpoXNUCe+1gpJfsRreBQ==");
    PasswordHash six = PasswordHash.parse("$6$gDW7VPiubJsQj4rb$e19nLqRvHkGY4AIkfStJ8Gxa5w1VpAbTBW"
        + "HSJnmjcPaHc93SEeZA/Yn5Sa9ObG0B/fXF4bX20A5La3ALhZRy5Q==");

    assertThat(seven.iterations()).isEqualTo(101);
    assertThat(seven.matches(utf8("secret"))).isTrue();
    assertThat(seven.matches(utf8("Secret"))).isFalse();
    assertThat(six.pbkdf2()).isFalse();
    assertThat(six.matches(utf8("pw2"))).isTrue();
    assertThat(six.matches(utf8(""))).isFalse();
  }

  @Test
  void create_whenEncodedAndParsed_thenSameHashInMosquittosFormat() throws Exception {
    PasswordHash h = PasswordHash.create("pässword");

    String encoded = h.encode();

    assertThat(encoded).matches("\\$7\\$101\\$[A-Za-z0-9+/]{16}\\$[A-Za-z0-9+/]{86}==");
    PasswordHash back = PasswordHash.parse(encoded);
    assertThat(back.matches(utf8("pässword"))).isTrue();
    assertThat(back.matches(utf8("password"))).isFalse();
    assertThat(PasswordHash.create("").encode()).startsWith("$7$101$");
    assertThat(PasswordHash.parse(PasswordHash.create("").encode()).matches(new byte[0])).isTrue();
  }

  @Test
  void parse_whenBrokenLines_thenErrorNamesLineAndFix() {
    assertThatThrownBy(() -> PasswordFile.parse(List.of("# users", "", "alice:plain"), "pw"))
        .isInstanceOf(AuthFileException.class)
        .satisfies(e -> {
          AuthFileException a = (AuthFileException) e;
          assertThat(a.line()).isEqualTo(3);
          assertThat(a.problem()).contains("alice").contains("not hashed");
          assertThat(a.fix()).contains("midge passwd pw alice");
        });
    assertThatThrownBy(() -> PasswordFile.parse(List.of("no-colon"), "pw"))
        .isInstanceOf(AuthFileException.class).hasMessageContaining("pw:1");
    assertThatThrownBy(() -> PasswordFile.parse(List.of("a:$5$x$y"), "pw"))
        .hasMessageContaining("unknown hash type $5$");
    String line = "a:" + PasswordHash.create("x").encode();
    assertThatThrownBy(() -> PasswordFile.parse(List.of(line, line), "pw"))
        .hasMessageContaining("pw:2").hasMessageContaining("earlier line");
  }

  @Test
  void read_whenFileMadeByMosquittoPasswd_thenItsUsersAreLetIn() throws Exception {
    Path tool = ExternalTools.onPath("mosquitto_passwd").orElse(null);
    ExternalTools.require(tool != null, "mosquitto_passwd", "installed mosquitto",
        "apt-get install mosquitto");
    Path file = dir.resolve("mosquitto.pw");
    run(tool.toString(), "-c", "-b", file.toString(), "alice", "correct horse");
    run(tool.toString(), "-b", file.toString(), "bob", "battery staple");
    run(tool.toString(), "-H", "sha512", "-b", file.toString(), "carol", "old style");

    PasswordFileAuthenticator auth = new PasswordFileAuthenticator(file);

    assertThat(auth.file().current().users()).containsOnlyKeys("alice", "bob", "carol");
    assertThat(verdict(auth, "alice", "correct horse")).isEqualTo(Verdict.ALLOW);
    assertThat(verdict(auth, "bob", "battery staple")).isEqualTo(Verdict.ALLOW);
    assertThat(verdict(auth, "carol", "old style")).isEqualTo(Verdict.ALLOW);
    assertThat(verdict(auth, "alice", "battery staple"))
        .isEqualTo(Verdict.BAD_USER_NAME_OR_PASSWORD);
    assertThat(verdict(auth, "dave", "x")).isEqualTo(Verdict.UNKNOWN_USER);
  }

  @Test
  void authenticate_whenManyIterations_thenHashedOffTheCallersThread() throws Exception {
    byte[] salt = new byte[12];
    PasswordHash costly = new PasswordHash(20_000, salt,
        PasswordHash.pbkdf2(utf8("pw"), salt, 20_000));
    Path file = dir.resolve("costly.pw");
    Files.write(file, List.of("u:" + costly.encode()));
    Thread[] ran = new Thread[1];
    PasswordFileAuthenticator auth = new PasswordFileAuthenticator(file, task -> {
      Thread t = new Thread(task, "hashing");
      ran[0] = t;
      t.start();
    });

    Verdict v = auth.authenticate(new Credentials("c", "u", utf8("pw"), "test", "default"))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(v).isEqualTo(Verdict.ALLOW);
    assertThat(ran[0]).as("hashed on the executor given").isNotNull();
  }

  private static Verdict verdict(PasswordFileAuthenticator auth, String user, String password)
      throws Exception {
    return auth.authenticate(new Credentials("c", user, utf8(password), "test", "default"))
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }
}
