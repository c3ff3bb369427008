package dev.mailfilter.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ConnectionSet}: idle connections close at once, busy ones finish or are cut. */
@Timeout(60)
class ConnectionSetTest {
  /** A connection that waits until closed, or, when busy, until its message is done. */
  private static final class Fake implements ConnectionSet.Member {
    final ConnectionSet<Fake> set;
    final boolean busy;
    final CountDownLatch closed = new CountDownLatch(1);
    final CountDownLatch messageDone = new CountDownLatch(1);
    volatile String how = "still open";

    Fake(ConnectionSet<Fake> set, boolean busy) {
      this.set = set;
      this.busy = busy;
    }

    @Override
    public void run() {
      try {
        if (busy) {
          // Ends when its message is done or it is cut, whichever comes first.
          while (closed.getCount() > 0 && !messageDone.await(10, TimeUnit.MILLISECONDS)) {
            // look again
          }
        } else {
          closed.await();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        set.ended(this);
      }
    }

    @Override
    public void closeIfIdle() {
      if (!busy) {
        how = "closed idle";
        closed.countDown();
      }
    }

    @Override
    public void forceClose() {
      how = "cut";
      closed.countDown();
    }
  }

  @Test
  void anIdleConnectionClosesAtOnceAndABusyOneFinishesItsMessage() throws Exception {
    ConnectionSet<Fake> set = new ConnectionSet<>();
    Fake idle = new Fake(set, false);
    Fake busy = new Fake(set, true);
    set.start(idle, "idle");
    set.start(busy, "busy");
    assertThat(set.open()).containsExactlyInAnyOrder(idle, busy);
    Thread.ofVirtual().start(busy.messageDone::countDown);
    assertThat(set.drain(Duration.ofSeconds(30))).isZero();
    assertThat(idle.how).isEqualTo("closed idle");
    assertThat(busy.how).isEqualTo("still open");
    assertThat(set.open()).isEmpty();
  }

  @Test
  void aBusyConnectionStillRunningAtTheTimeoutIsCut() {
    ConnectionSet<Fake> set = new ConnectionSet<>();
    Fake busy = new Fake(set, true);
    set.start(busy, "busy");
    assertThat(set.drain(Duration.ofMillis(50))).isEqualTo(1);
    assertThat(busy.how).isEqualTo("cut");
    assertThat(set.open()).isEmpty();
  }
}
