package dev.midge.broker.auth.scram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class ScramCredentialsTest {
  @Test
  void fromPassword_whenCalledTwice_thenRandomSaltsAndDefaultIterations() {
    ScramCredentials a = ScramCredentials.fromPassword("secret");
    ScramCredentials b = ScramCredentials.fromPassword("secret");
    assertThat(a.salt()).hasSize(16).isNotEqualTo(b.salt());
    assertThat(a.iterations()).isEqualTo(ScramCredentials.DEFAULT_ITERATIONS);
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void fromPassword_whenSameInputs_thenSameKeys() {
    byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    ScramCredentials a = ScramCredentials.fromPassword("pencil", salt, 4096);
    ScramCredentials b = ScramCredentials.fromPassword("pencil", salt, 4096);
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.storedKey()).hasSize(32).isNotEqualTo(a.serverKey());
    assertThat(ScramCredentials.fromPassword("pencil", salt, 4097)).isNotEqualTo(a);
  }

  @Test
  void toString_whenPrinted_thenNoKeys() {
    ScramCredentials c = ScramCredentials.fromPassword("pencil");
    assertThat(c.toString())
        .doesNotContain(Base64.getEncoder().encodeToString(c.storedKey()))
        .doesNotContain(Base64.getEncoder().encodeToString(c.serverKey()))
        .contains("iterations=4096");
  }

  @Test
  void accessors_whenArrayChanged_thenCredentialsUnchanged() {
    ScramCredentials c = ScramCredentials.fromPassword("pencil");
    byte[] stored = c.storedKey();
    stored[0] ^= 1;
    assertThat(c.storedKey()).isNotEqualTo(stored);
  }

  @Test
  void constructor_whenInvalid_thenRejected() {
    assertThatThrownBy(() -> ScramCredentials.fromPassword(""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ScramCredentials(new byte[0], 4096, new byte[32], new byte[32]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ScramCredentials(new byte[16], 0, new byte[32], new byte[32]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ScramCredentials(new byte[16], 4096, new byte[20], new byte[32]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
