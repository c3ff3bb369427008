package dev.mailfilter.smtp;

import dev.mailfilter.api.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A route's server for tests: speaks SMTP with our own codec, records what it received, and answers
 * each command as scripted (250 unless told otherwise), so that every downstream failure can be
 * provoked.
 */
final class Downstream implements AutoCloseable {
  /** One message received to its end. */
  record Received(String from, String mailParameters, List<String> recipients, byte[] content) {}

  final List<Received> messages = new CopyOnWriteArrayList<>();
  final List<String> commands = new CopyOnWriteArrayList<>();

  /** Scripted replies by verb ({@code MAIL}, {@code RCPT}, {@code DATA}, {@code END}). */
  final Map<String, Reply> replies = new ConcurrentHashMap<>();

  /** Connections accepted so far, and those that ended (QUIT or hang-up). */
  final AtomicInteger connections = new AtomicInteger();

  final AtomicInteger ended = new AtomicInteger();

  /** Offers STARTTLS, answers it 220 and then hangs up instead of a handshake. */
  volatile boolean brokenStartTls;

  /** Hangs up after each message, without a word, as a server closing an idle connection. */
  volatile boolean hangUpAfterMessage;

  /** Hangs up after a message's final dot, before its reply: the outcome stays unknown. */
  volatile boolean hangUpBeforeEndReply;

  private final ServerSocket server;
  private final Thread acceptor;

  Downstream() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = Thread.ofVirtual().start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        connections.incrementAndGet();
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private Reply reply(String verb, Reply ok) {
    return replies.getOrDefault(verb, ok);
  }

  private void serve(Socket s) {
    try (s) {
      SmtpReader reader = SmtpReader.of(s.getInputStream(), SmtpLimits.defaults());
      ReplyWriter writer = ReplyWriter.of(s.getOutputStream());
      writer.send(Reply.of(220, "", "downstream.example ESMTP test"));
      Capabilities caps = Capabilities.all(0);
      String from = null;
      String params = "";
      List<String> rcpts = new CopyOnWriteArrayList<>();
      while (true) {
        Optional<Command> next = reader.readCommand(caps.withStartTls(brokenStartTls), true);
        if (next.isEmpty()) {
          return;
        }
        Command c = next.get();
        commands.add(c.toString());
        switch (c) {
          case Command.Ehlo e -> {
            writer.enhancedCodes(true);
            writer.send(caps.withStartTls(brokenStartTls).ehloReply("downstream.example", ""));
          }
          case Command.Mail m -> {
            Reply r = reply("MAIL", Reply.of(250, "2.1.0", "Ok"));
            if (r.code() == 250) {
              from = m.from().mailbox();
              params = String.join(" ", m.parameters().all().keySet());
              rcpts.clear();
            }
            writer.send(r);
          }
          case Command.Rcpt r -> {
            Reply reply = reply("RCPT", Reply.of(250, "2.1.5", "Ok"));
            if (reply.code() == 250) {
              rcpts.add(r.to().mailbox());
            }
            writer.send(reply);
          }
          case Command.Data d -> {
            Reply r = reply("DATA", Reply.of(354, "", "go ahead"));
            writer.send(r);
            if (r.code() == 354) {
              ByteArrayOutputStream content = new ByteArrayOutputStream();
              reader.readData(content::write);
              if (hangUpBeforeEndReply) {
                return;
              }
              Reply end = reply("END", Reply.of(250, "2.0.0", "Ok: queued as DOWN1"));
              if (end.code() == 250) {
                messages.add(new Received(from, params, List.copyOf(rcpts), content.toByteArray()));
              }
              writer.send(end);
              if (hangUpAfterMessage) {
                return;
              }
            }
          }
          case Command.Rset r -> writer.send(reply("RSET", Reply.of(250, "2.0.0", "Ok")));
          case Command.StartTls t -> {
            writer.send(Reply.of(220, "2.0.0", "Ready to start TLS"));
            return;
          }
          case Command.Quit q -> {
            writer.send(Reply.of(221, "2.0.0", "Bye"));
            return;
          }
          default -> writer.send(Reply.of(250, "2.0.0", "Ok"));
        }
      }
    } catch (IOException e) {
      // the gateway hung up
    } finally {
      ended.incrementAndGet();
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    try {
      acceptor.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
