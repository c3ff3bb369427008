package dev.mailfilter.auth;

import static java.util.Objects.requireNonNull;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DmarcReportStore} writing one append-only file per UTC day, {@code dmarc-YYYY-MM-DD.tsv}
 * in a directory, one {@link DmarcReportRow#toLine() line} per message. Rows wait in a bounded
 * queue for one writer thread; when the queue is full (the disk is slow or full), rows are dropped
 * and counted, and the check goes on.
 */
public final class DailyFileReportStore implements DmarcReportStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DailyFileReportStore.class);
  private static final DmarcReportRow STOP =
      DmarcReportRow.fromLine("1970-01-01T00:00:00Z" + "\t".repeat(18));

  private final Path dir;
  private final BlockingQueue<DmarcReportRow> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final Thread writer;

  private DailyFileReportStore(Path dir, int capacity) {
    this.dir = dir;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.writer = Thread.ofVirtual().name("dmarc-report-writer").start(this::drain);
  }

  /**
   * A store in {@code dir} (created when missing) holding at most {@code capacity} rows not yet
   * written.
   *
   * @throws IOException when the directory cannot be created
   */
  public static DailyFileReportStore open(Path dir, int capacity) throws IOException {
    requireNonNull(dir, "dir");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity below 1: " + capacity);
    }
    Files.createDirectories(dir);
    return new DailyFileReportStore(dir, capacity);
  }

  /** The file of a day's rows. */
  public Path file(LocalDate day) {
    return dir.resolve("dmarc-" + day + ".tsv");
  }

  @Override
  public void append(DmarcReportRow row) {
    if (queue.offer(row)) {
      accepted.incrementAndGet();
    } else {
      dropped.incrementAndGet();
    }
  }

  /** Rows dropped because the queue was full or the file could not be written. */
  public long dropped() {
    return dropped.get();
  }

  /** Rows written so far. */
  public long written() {
    return written.get();
  }

  /**
   * Waits until every row appended before this call is written, at most {@code millis}.
   *
   * @return whether the queue was empty in time
   */
  public boolean flush(long millis) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long target = accepted.get();
    while (done.get() < target) {
      if (System.nanoTime() - end > 0) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  private void drain() {
    List<DmarcReportRow> batch = new ArrayList<>();
    while (true) {
      DmarcReportRow first;
      try {
        first = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      batch.clear();
      batch.add(first);
      queue.drainTo(batch);
      boolean stop = false;
      for (DmarcReportRow r : batch) {
        stop |= r == STOP;
      }
      int rows = batch.size() - (stop ? 1 : 0);
      LocalDate day = null;
      BufferedWriter out = null;
      try {
        for (DmarcReportRow r : batch) {
          if (r == STOP) {
            continue;
          }
          LocalDate d = LocalDate.ofInstant(r.time(), ZoneOffset.UTC);
          if (!d.equals(day)) {
            if (out != null) {
              out.close();
            }
            day = d;
            out =
                Files.newBufferedWriter(
                    file(d),
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
          }
          out.write(r.toLine());
          out.write('\n');
        }
        if (out != null) {
          out.close();
        }
        written.addAndGet(rows);
      } catch (IOException e) {
        // Which lines of the batch reached the file is unknown: the batch counts as dropped.
        dropped.addAndGet(rows);
        log.warn("DMARC report rows not written to {}: {}", dir, e.toString());
        try {
          if (out != null) {
            out.close();
          }
        } catch (IOException ignored) {
          // Already reported.
        }
      } finally {
        done.addAndGet(rows);
      }
      if (stop) {
        return;
      }
    }
  }

  /** Writes what is queued and stops the writer. */
  @Override
  public void close() {
    try {
      queue.put(STOP);
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
