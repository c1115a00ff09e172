package dev.midge.broker.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.session.StoredSubscription;
import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.RetainHandling;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RecordsTest {
  /** A property of every data type: byte, four-byte, string, binary, VBI (repeated), pairs. */
  static final Properties EVERY_TYPE = Properties.builder()
      .payloadFormatIndicator(1)
      .messageExpiryInterval(3600)
      .contentType("application/json")
      .responseTopic("replies/7")
      .correlationData(new byte[] {1, 2, 3})
      .subscriptionIdentifier(268_435_455)
      .subscriptionIdentifier(5)
      .topicAlias(9)
      .userProperty("region", "eu")
      .userProperty("région", "ünïcode")
      .build();

  private static Publish publish(MqttQos qos, int packetId, Properties props) {
    return new Publish("sensors/🌡/1", qos, true, true, packetId,
        "22.5".getBytes(StandardCharsets.UTF_8), props);
  }

  @Test
  void message_whenWrittenAndRead_thenEveryFieldComesBack() {
    Publish m = publish(MqttQos.EXACTLY_ONCE, 65535, EVERY_TYPE);
    Records.StoredMessage back = Records.message(Records.message(m, 1_700_000_000_123L, true));
    assertThat(back.message()).isEqualTo(m);
    assertThat(back.expiresAt()).isEqualTo(1_700_000_000_123L);
    assertThat(back.released()).isTrue();
    assertThat(back.sharedSubscription()).isNull();
  }

  @Test
  void message_whenRoutedByASharedSubscription_thenItsFilterComesBack() {
    Publish m = publish(MqttQos.AT_LEAST_ONCE, 12, EVERY_TYPE);
    Records.StoredMessage back = Records.message(
        Records.message(m, 1_700_000_000_123L, false, "$share/grp/sensors/#"));
    assertThat(back.message()).isEqualTo(m);
    assertThat(back.expiresAt()).isEqualTo(1_700_000_000_123L);
    assertThat(back.sharedSubscription()).isEqualTo("$share/grp/sensors/#");
  }

  @Test
  void message_whenSharedSubscriptionFieldIsNoSharedFilter_thenCorrupt() {
    byte[] value = Records.message(publish(MqttQos.AT_LEAST_ONCE, 3, Properties.EMPTY), 0, false,
        "plain/filter");
    assertThatThrownBy(() -> Records.message(value)).isInstanceOf(Records.Corrupt.class)
        .hasMessageContaining("plain/filter");
  }

  @Test
  void message_whenSharedAndCutShortAnywhere_thenCorrupt() {
    byte[] full = Records.message(publish(MqttQos.AT_LEAST_ONCE, 3, EVERY_TYPE), 5, false,
        "$share/g/x");
    for (int n = 0; n < full.length; n++) {
      byte[] cut = Arrays.copyOf(full, n);
      assertThatThrownBy(() -> Records.message(cut)).as("cut at %d", n)
          .isInstanceOf(Records.Corrupt.class);
    }
  }

  @Test
  void message_whenNoPropertiesAndEmptyPayload_thenComesBack() {
    Publish m = new Publish("a", MqttQos.AT_MOST_ONCE, false, false, 0, new byte[0],
        Properties.EMPTY);
    Records.StoredMessage back = Records.message(Records.message(m, 0, false));
    assertThat(back.message()).isEqualTo(m);
    assertThat(back.expiresAt()).isZero();
    assertThat(back.released()).isFalse();
  }

  @Test
  void message_whenCutShortAnywhere_thenCorrupt() {
    byte[] full = Records.message(publish(MqttQos.AT_LEAST_ONCE, 3, EVERY_TYPE), 0, false);
    for (int n = 0; n < full.length; n++) {
      byte[] cut = Arrays.copyOf(full, n);
      assertThatThrownBy(() -> Records.message(cut)).as("cut at %d", n)
          .isInstanceOf(Records.Corrupt.class);
    }
  }

  @Test
  void message_whenBytesFollowIt_thenCorrupt() {
    byte[] full = Records.message(publish(MqttQos.AT_LEAST_ONCE, 3, Properties.EMPTY), 0, false);
    byte[] longer = Arrays.copyOf(full, full.length + 1);
    assertThatThrownBy(() -> Records.message(longer)).isInstanceOf(Records.Corrupt.class)
        .hasMessageContaining("after the end");
  }

  @Test
  void message_whenFormatVersionUnknown_thenCorruptNamingIt() {
    byte[] value = Records.message(publish(MqttQos.AT_LEAST_ONCE, 3, Properties.EMPTY), 0, false);
    value[0] = 2;
    assertThatThrownBy(() -> Records.message(value)).isInstanceOf(Records.Corrupt.class)
        .hasMessageContaining("record format 2");
  }

  @Test
  void message_whenReservedFlagOrQos3_thenCorrupt() {
    byte[] value = Records.message(publish(MqttQos.AT_LEAST_ONCE, 3, Properties.EMPTY), 0, false);
    byte[] reserved = value.clone();
    reserved[1] |= (byte) 0x80;
    byte[] qos3 = value.clone();
    qos3[1] |= 0b11;
    assertThatThrownBy(() -> Records.message(reserved)).isInstanceOf(Records.Corrupt.class);
    assertThatThrownBy(() -> Records.message(qos3)).isInstanceOf(Records.Corrupt.class);
  }

  @Test
  void subscription_whenWrittenAndRead_thenOptionsAndIdentifierComeBack() {
    StoredSubscription s = new StoredSubscription(new Subscription("a/+/#", MqttQos.EXACTLY_ONCE,
        true, true, RetainHandling.DO_NOT_SEND));
    assertThat(Records.subscription("a/+/#", Records.subscription(s))).isEqualTo(s);
    StoredSubscription shared = new StoredSubscription(
        new Subscription("$share/g/x", MqttQos.AT_MOST_ONCE), 42);
    assertThat(Records.subscription("$share/g/x", Records.subscription(shared)))
        .isEqualTo(shared);
    StoredSubscription largest = new StoredSubscription(new Subscription("y", MqttQos.AT_MOST_ONCE),
        StoredSubscription.MAX_IDENTIFIER);
    assertThat(Records.subscription("y", Records.subscription(largest))).isEqualTo(largest);
  }

  @Test
  void subscription_whenIdentifierOutOfRange_thenCorrupt() {
    byte[] value = Records.subscription(
        new StoredSubscription(new Subscription("x", MqttQos.AT_MOST_ONCE), 1));
    value[3] = 0x10; // identifier 0x10000001, above 268,435,455
    assertThatThrownBy(() -> Records.subscription("x", value))
        .isInstanceOf(Records.Corrupt.class).hasMessageContaining("identifier");
  }

  @Test
  void subscription_whenRetainHandling3_thenCorrupt() {
    byte[] value = Records.subscription(
        new StoredSubscription(new Subscription("x", MqttQos.AT_MOST_ONCE)));
    value[2] = 0b1100;
    assertThatThrownBy(() -> Records.subscription("x", value))
        .isInstanceOf(Records.Corrupt.class);
  }

  @Test
  void session_whenWrittenAndRead_thenComesBack() {
    Records.StoredSession s = Records.session(Records.session(0xFFFFFFFFL, 123L));
    assertThat(s).isEqualTo(new Records.StoredSession(0xFFFFFFFFL, 123L));
  }

  @Test
  void will_whenWrittenAndRead_thenComesBack() {
    Publish m = publish(MqttQos.AT_LEAST_ONCE, 0, EVERY_TYPE).withDup(false);
    Records.StoredWill w = Records.will(Records.will(m, 99L));
    assertThat(w.message()).isEqualTo(m);
    assertThat(w.publishAt()).isEqualTo(99L);
  }
}
