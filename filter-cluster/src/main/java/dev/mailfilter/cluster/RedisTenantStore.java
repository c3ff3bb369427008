package dev.mailfilter.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The tenant tree in Redis, shared by the nodes of a cluster.
 *
 * <p>Layout, under a key prefix ({@code mailfilter:} by default):
 *
 * <ul>
 *   <li>{@code node:<path>}: a hash with the node's version ({@code v}) and its JSON body;
 *   <li>{@code children:<path>}: a sorted set of the children's segments ({@code customer:bakery}),
 *       all with score 0, paged in lexical order;
 *   <li>{@code domains}: a hash from domain name to its node's path, so that a domain sits once;
 *   <li>{@code version}: the store's change counter;
 *   <li>{@code log}: the change stream, entry id {@code <version>-0}, trimmed to about {@code
 *       streamMaxLength} entries; nodes read it with {@code XREAD BLOCK};
 *   <li>{@code audit}: the same entries, never trimmed.
 * </ul>
 *
 * <p>Each write is one Lua script: the checks (existence, the expected version, the ancestors'
 * versions the validation saw, a domain configured elsewhere, children in the way), the change of
 * the node and the indexes, the counter and both {@code XADD}s, atomically. Settings are validated
 * beforehand on the client with the core's loader, against the ancestors as read; the script
 * refuses the write if an ancestor changed meanwhile, and the client validates again.
 *
 * <p>Acknowledged: with {@code replicasToAck > 0}, a write answers {@link WriteResult.Written} only
 * after {@code WAIT} saw that many replicas take it, so a failover to one of them cannot lose it;
 * if they do not within {@code ackTimeout}, a {@link TenantStoreException} says the change is on
 * the primary but not yet safe. With 0 (one primary, no replica) a write is acknowledged when the
 * primary has it, and a crash of the primary may lose the last writes before its next persistence
 * (docs/cluster.md).
 *
 * <p>Not for Redis Cluster (the scripts touch keys they compute); high availability is a primary,
 * replicas and Sentinel.
 */
public final class RedisTenantStore implements TenantStore {
  private static final int BATCH = 10_000;

  /**
   * How to reach Redis and how safe a write must be.
   *
   * @param uri a {@code redis://} address, or a Sentinel one ({@code
   *     redis-sentinel://host:26379,host2:26379#mymaster}, or built with {@link
   *     RedisURI#builder()})
   * @param prefix the key prefix, so that one Redis can hold several trees
   * @param replicasToAck replicas that must have a write before it is acknowledged ({@code WAIT})
   * @param ackTimeout how long a write waits for them
   * @param commandTimeout how long any command may take before the store is taken as down
   * @param streamMaxLength about how many changes the stream keeps for nodes to catch up; one
   *     further behind loads a snapshot
   */
  public record Options(
      RedisURI uri,
      String prefix,
      int replicasToAck,
      Duration ackTimeout,
      Duration commandTimeout,
      long streamMaxLength) {
    /** Checks the values. */
    public Options {
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(prefix, "prefix");
      if (replicasToAck < 0) {
        throw new IllegalArgumentException("replicasToAck must be >= 0");
      }
      if (ackTimeout.isNegative() || commandTimeout.isNegative() || commandTimeout.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive");
      }
      if (streamMaxLength < 100) {
        throw new IllegalArgumentException("streamMaxLength must be at least 100");
      }
    }

    /** The defaults for a URI: prefix {@code mailfilter:}, no replica wait, 5 s, 100,000. */
    public static Options of(RedisURI uri) {
      return new Options(
          uri, "mailfilter:", 0, Duration.ofSeconds(2), Duration.ofSeconds(5), 100_000);
    }

    /** These options with {@code n} replicas to wait for. */
    public Options withReplicasToAck(int n, Duration timeout) {
      return new Options(uri, prefix, n, timeout, commandTimeout, streamMaxLength);
    }

    /** These options with another key prefix. */
    public Options withPrefix(String p) {
      return new Options(uri, p, replicasToAck, ackTimeout, commandTimeout, streamMaxLength);
    }

    /** These options with another stream length. */
    public Options withStreamMaxLength(long n) {
      return new Options(uri, prefix, replicasToAck, ackTimeout, commandTimeout, n);
    }
  }

  /**
   * Run before each write script, with the identity key and the identity the writer knows put first
   * in KEYS and ARGV (and taken off, so that the script's own indexes stay as written): a Redis
   * that lost its data (an old primary back empty, without persistence) answers {@code empty}
   * instead of {@code notfound}, and one re-created meanwhile answers {@code foreign}.
   */
  private static final String IDENTITY_GUARD =
      """
      local idKey = table.remove(KEYS, 1)
      local want = table.remove(ARGV, 1)
      local have = redis.call('GET', idKey)
      if not have then return {'empty'} end
      if have ~= want then return {'foreign', have} end
      """;

  private static final String CREATE =
      IDENTITY_GUARD
          + """
      if redis.call('EXISTS', KEYS[1]) == 1 then return {'conflict', 'exists already'} end
      if ARGV[1] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return {'notfound'} end
      for i = 8, #KEYS do
        if redis.call('HGET', KEYS[i], 'v') ~= ARGV[i + 1] then return {'retry'} end
      end
      if ARGV[3] ~= '' then
        local other = redis.call('HGET', KEYS[4], ARGV[3])
        if other then return {'conflict', 'domain ' .. ARGV[3] .. ' is configured at ' .. other} end
      end
      local v = redis.call('INCR', KEYS[5])
      redis.call('HSET', KEYS[1], 'v', v, 'body', ARGV[5])
      redis.call('ZADD', KEYS[3], 0, ARGV[2])
      if ARGV[3] ~= '' then redis.call('HSET', KEYS[4], ARGV[3], ARGV[4]) end
      local id = v .. '-0'
      redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[8], id, 'op', 'CREATE', 'path', ARGV[4],
        'at', ARGV[6], 'principal', ARGV[7], 'body', ARGV[5])
      redis.call('XADD', KEYS[7], id, 'op', 'CREATE', 'path', ARGV[4],
        'at', ARGV[6], 'principal', ARGV[7], 'body', ARGV[5])
      return {'ok', v}
      """;

  private static final String UPDATE =
      IDENTITY_GUARD
          + """
      local cur = redis.call('HGET', KEYS[1], 'v')
      if not cur then return {'notfound'} end
      if cur ~= ARGV[1] then return {'stale', cur} end
      for i = 5, #KEYS do
        if redis.call('HGET', KEYS[i], 'v') ~= ARGV[i + 2] then return {'retry'} end
      end
      local v = redis.call('INCR', KEYS[2])
      redis.call('HSET', KEYS[1], 'v', v, 'body', ARGV[2])
      local id = v .. '-0'
      redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], id, 'op', 'UPDATE', 'path', ARGV[3],
        'at', ARGV[4], 'principal', ARGV[5], 'body', ARGV[2])
      redis.call('XADD', KEYS[4], id, 'op', 'UPDATE', 'path', ARGV[3],
        'at', ARGV[4], 'principal', ARGV[5], 'body', ARGV[2])
      return {'ok', v}
      """;

  private static final String DELETE =
      IDENTITY_GUARD
          + """
      local cur = redis.call('HGET', KEYS[1], 'v')
      if not cur then return {'notfound'} end
      if cur ~= ARGV[1] then return {'stale', cur} end
      local prefix = ARGV[3]
      local kids = redis.call('ZCARD', prefix .. 'children:' .. ARGV[4])
      if kids > 0 and ARGV[2] ~= '1' then
        return {'conflict', 'has ' .. kids .. ' children; delete them first or delete with the subtree'}
      end
      local function drop(path, seg)
        local ck = prefix .. 'children:' .. path
        for _, m in ipairs(redis.call('ZRANGE', ck, 0, -1)) do drop(path .. '/' .. m, m) end
        redis.call('DEL', ck)
        redis.call('DEL', prefix .. 'node:' .. path)
        if string.sub(seg, 1, 7) == 'domain:' then redis.call('HDEL', KEYS[3], string.sub(seg, 8)) end
      end
      drop(ARGV[4], ARGV[5])
      redis.call('ZREM', KEYS[2], ARGV[5])
      local v = redis.call('INCR', KEYS[4])
      local id = v .. '-0'
      redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[8], id, 'op', 'DELETE', 'path', ARGV[4],
        'at', ARGV[6], 'principal', ARGV[7])
      redis.call('XADD', KEYS[6], id, 'op', 'DELETE', 'path', ARGV[4],
        'at', ARGV[6], 'principal', ARGV[7])
      return {'ok', v}
      """;

  private final Options options;
  private final Clock clock;
  private final RedisClient client;
  private final ReentrantLock connectLock = new ReentrantLock();
  private volatile StatefulRedisConnection<String, String> connection;
  // XREAD BLOCK holds its connection: followers wait on their own, one at a time.
  private final ReentrantLock blockingLock = new ReentrantLock();
  private StatefulRedisConnection<String, String> blocking;
  // Set when the connection reached a Redis that is not this store's primary: the follower's
  // blocking connection is made again, as the shared one is, through Sentinel.
  private volatile boolean blockingStale;
  // The identity of the history this client has seen; null before its first contact.
  private volatile String knownId;

  private RedisTenantStore(Options options, Clock clock) {
    this.options = options;
    this.clock = clock;
    client = RedisClient.create(options.uri());
    client.setOptions(
        ClientOptions.builder()
            // While Redis is away, fail at once instead of queueing: a node then filters with its
            // last configuration and the admin API answers 503, rather than both hanging.
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled())
            .build());
    try {
      connection();
    } catch (TenantStoreException e) {
      // A node starts with its store down and filters with its last good tree; the next call
      // tries again.
    }
  }

  /** The shared connection, made on first use (and again after a failed attempt). */
  private StatefulRedisConnection<String, String> connection() {
    StatefulRedisConnection<String, String> c = connection;
    if (c != null) {
      return c;
    }
    connectLock.lock();
    try {
      if (connection == null) {
        try {
          StatefulRedisConnection<String, String> fresh = client.connect(StringCodec.UTF8);
          fresh.setTimeout(options.commandTimeout());
          connection = fresh;
        } catch (RedisException e) {
          throw new TenantStoreException(
              "cannot connect to the tenant store at " + options.uri() + ": " + e.getMessage(), e);
        }
      }
      return connection;
    } finally {
      connectLock.unlock();
    }
  }

  /**
   * A store on Redis. It connects now if it can, else on the next call (each call then throws
   * {@link TenantStoreException} until Redis is reachable), so that a node starts while the store
   * is down; once connected, the client reconnects by itself (to the new primary after a Sentinel
   * failover).
   */
  public static RedisTenantStore connect(Options options) {
    return new RedisTenantStore(options, Clock.systemUTC());
  }

  private RedisCommands<String, String> redis() {
    return connection().sync();
  }

  private String key(String k) {
    return options.prefix() + k;
  }

  private String nodeKey(TenantPath p) {
    return key("node:" + p);
  }

  private String childrenKey(TenantPath p) {
    return key("children:" + p);
  }

  private <T> T call(String what, java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (RedisException e) {
      if (String.valueOf(e.getMessage()).startsWith("READONLY")) {
        // Connected to a replica (an old primary that Sentinel demoted): connect again, which
        // asks Sentinel for the primary, instead of being refused until the next disconnect.
        dropConnections();
      }
      throw new TenantStoreException(
          "tenant store " + options.uri() + ": " + what + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public String id() {
    return call("id", () -> identity(redis()));
  }

  @Override
  public void expectIdentity(String id) {
    if (knownId == null && id != null && !id.isEmpty()) {
      knownId = id;
    }
  }

  /**
   * The identity of the store, checked against the one this client has seen. The first contact of a
   * client with a Redis holding no store creates it; a Redis found without an identity after that
   * has lost its data (an old primary back empty on its port before Sentinel made it a replica, or
   * a restart without persistence) and is refused: reading it would answer "not found" for the
   * whole tree and writing to it would start a history that the real primary does not have. The
   * connections are dropped, so that the next call asks Sentinel again.
   *
   * @throws TenantStoreException when the store lost its data
   */
  private String identity(RedisCommands<String, String> r) {
    String id = r.get(key("id"));
    String known = knownId;
    if (id == null) {
      if (known != null) {
        throw lost(known);
      }
      r.set(key("id"), java.util.UUID.randomUUID().toString(), SetArgs.Builder.nx());
      id = r.get(key("id"));
    }
    knownId = id;
    return id;
  }

  private TenantStoreException lost(String known) {
    dropConnections();
    return new TenantStoreException(
        "the Redis at "
            + options.uri()
            + " holds no tenant store (no key "
            + key("id")
            + "), but this client worked with store "
            + known
            + ": it lost its data (an old primary restarted without persistence, or flushed);"
            + " nothing was read or written there. With Sentinel the next call connects to the"
            + " current primary; a store started afresh on purpose is taken by a client started"
            + " afresh (docs/cluster.md, Store identity)");
  }

  private void dropConnections() {
    connectLock.lock();
    try {
      StatefulRedisConnection<String, String> c = connection;
      connection = null;
      if (c != null) {
        c.closeAsync();
      }
    } finally {
      connectLock.unlock();
    }
    blockingStale = true;
  }

  /** A store that looks empty or behind is first checked to be the store this client knows. */
  private void confirmIdentity() {
    identity(redis());
  }

  @Override
  public Optional<Tenant> get(TenantPath path) {
    return call("get " + path, () -> read(path));
  }

  private Optional<Tenant> read(TenantPath path) {
    Map<String, String> h = redis().hgetall(nodeKey(path));
    if (h.isEmpty()) {
      confirmIdentity();
      return Optional.empty();
    }
    return Optional.of(Json.tenant(Json.read(h.get("body")), Long.parseLong(h.get("v"))));
  }

  @Override
  public TenantPage children(TenantPath parent, Optional<String> cursor, int limit) {
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("limit must be 1 to 1000, got " + limit);
    }
    Range.Boundary<String> from = Range.Boundary.unbounded();
    if (cursor.isPresent()) {
      String c = cursor.get();
      int colon = c.indexOf(':');
      TenantPath.Kind kind;
      try {
        kind = TenantPath.Kind.valueOf(c.substring(0, colon).toUpperCase(java.util.Locale.ROOT));
        c = new TenantPath.Segment(kind, c.substring(colon + 1)).toString();
      } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
        throw new IllegalArgumentException(
            "not a cursor of this listing: \"" + cursor.get() + "\"", e);
      }
      from = Range.Boundary.excluding(c);
    }
    Range<String> range = Range.from(from, Range.Boundary.unbounded());
    return call(
        "list " + parent,
        () -> {
          List<String> segs =
              redis().zrangebylex(childrenKey(parent), range, Limit.create(0, limit + 1));
          if (segs.isEmpty()) {
            confirmIdentity();
          }
          boolean more = segs.size() > limit;
          List<String> page = more ? segs.subList(0, limit) : segs;
          List<TenantPath> paths = new ArrayList<>();
          for (String s : page) {
            paths.add(TenantPath.parse(parent.isRoot() ? s : parent + "/" + s));
          }
          List<Tenant> items = new ArrayList<>();
          for (Tenant t : readAll(paths)) {
            items.add(t);
          }
          return new TenantPage(items, more ? Optional.of(page.getLast()) : Optional.empty());
        });
  }

  /** Reads nodes pipelined; a node deleted meanwhile is left out. */
  private List<Tenant> readAll(List<TenantPath> paths) {
    RedisAsyncCommands<String, String> async = connection().async();
    List<Future<Map<String, String>>> fs = new ArrayList<>();
    for (TenantPath p : paths) {
      fs.add(async.hgetall(nodeKey(p)).toCompletableFuture());
    }
    List<Tenant> out = new ArrayList<>();
    for (Future<Map<String, String>> f : fs) {
      Map<String, String> h = await(f);
      if (!h.isEmpty()) {
        out.add(Json.tenant(Json.read(h.get("body")), Long.parseLong(h.get("v"))));
      }
    }
    return out;
  }

  private <T> T await(Future<T> f) {
    try {
      return f.get(options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisException("interrupted", e);
    } catch (ExecutionException e) {
      throw new RedisException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new RedisException("timed out after " + options.commandTimeout(), e);
    }
  }

  private List<Tenant> ancestors(TenantPath path) {
    List<TenantPath> ps = new ArrayList<>();
    for (int i = 1; i < path.segments().size(); i++) {
      ps.add(new TenantPath(path.segments().subList(0, i)));
    }
    return readAll(ps);
  }

  @Override
  public WriteResult create(
      TenantPath path, Settings settings, Optional<Brand> brand, String principal) {
    String who = principal(principal);
    if (path.isRoot()) {
      return new WriteResult.Conflict(path, "the root exists always");
    }
    return call(
        "create " + path,
        () -> {
          for (int attempt = 0; ; attempt++) {
            retryBound(attempt, path);
            List<Tenant> anc = ancestors(path);
            if (anc.size() != path.segments().size() - 1) {
              confirmIdentity();
              return new WriteResult.NotFound(path.parent());
            }
            Optional<WriteResult> bad = check(path, settings, brand, anc);
            if (bad.isPresent()) {
              return bad.get();
            }
            java.time.Instant now = clock.instant();
            Tenant t = new Tenant(path, settings, brand, 0, now, who);
            String body = body(t);
            List<String> keys = new ArrayList<>();
            keys.add(nodeKey(path));
            keys.add(path.parent().isRoot() ? key("root") : nodeKey(path.parent()));
            keys.add(childrenKey(path.parent()));
            keys.add(key("domains"));
            keys.add(key("version"));
            keys.add(key("log"));
            keys.add(key("audit"));
            List<String> args = new ArrayList<>();
            args.add(path.parent().isRoot() ? "0" : "1");
            args.add(path.segments().getLast().toString());
            args.add(path.kind().orElseThrow() == TenantPath.Kind.DOMAIN ? path.name() : "");
            args.add(path.toString());
            args.add(body);
            args.add(now.toString());
            args.add(who);
            args.add(Long.toString(options.streamMaxLength()));
            Optional<WriteResult> out = write(CREATE, keys, args, anc, -1, t);
            if (out.isPresent()) {
              return out.get();
            }
          }
        });
  }

  @Override
  public WriteResult update(
      TenantPath path,
      long expectedVersion,
      Settings settings,
      Optional<Brand> brand,
      String principal) {
    String who = principal(principal);
    return call(
        "update " + path,
        () -> {
          for (int attempt = 0; ; attempt++) {
            retryBound(attempt, path);
            List<Tenant> anc = ancestors(path);
            if (anc.size() != path.segments().size() - 1) {
              confirmIdentity();
              return new WriteResult.NotFound(path);
            }
            Optional<Tenant> cur = read(path);
            if (cur.isEmpty()) {
              return new WriteResult.NotFound(path);
            }
            if (cur.get().version() != expectedVersion) {
              return new WriteResult.Stale(path, expectedVersion, cur.get().version());
            }
            Optional<WriteResult> bad = check(path, settings, brand, anc);
            if (bad.isPresent()) {
              return bad.get();
            }
            java.time.Instant now = clock.instant();
            Tenant draft = new Tenant(path, settings, brand, 0, now, who);
            String body = body(draft);
            List<String> keys = new ArrayList<>();
            keys.add(nodeKey(path));
            keys.add(key("version"));
            keys.add(key("log"));
            keys.add(key("audit"));
            List<String> args = new ArrayList<>();
            args.add(Long.toString(expectedVersion));
            args.add(body);
            args.add(path.toString());
            args.add(now.toString());
            args.add(who);
            args.add(Long.toString(options.streamMaxLength()));
            Optional<WriteResult> out = write(UPDATE, keys, args, anc, expectedVersion, draft);
            if (out.isPresent()) {
              return out.get();
            }
          }
        });
  }

  @Override
  public WriteResult delete(
      TenantPath path, long expectedVersion, boolean withSubtree, String principal) {
    String who = principal(principal);
    if (path.isRoot()) {
      return new WriteResult.Conflict(path, "the root cannot be deleted");
    }
    return call(
        "delete " + path,
        () -> {
          Optional<Tenant> before = read(path);
          java.time.Instant now = clock.instant();
          List<String> keys =
              List.of(
                  nodeKey(path),
                  childrenKey(path.parent()),
                  key("domains"),
                  key("version"),
                  key("log"),
                  key("audit"));
          List<String> args =
              List.of(
                  Long.toString(expectedVersion),
                  withSubtree ? "1" : "0",
                  options.prefix(),
                  path.toString(),
                  path.segments().getLast().toString(),
                  now.toString(),
                  who,
                  Long.toString(options.streamMaxLength()));
          List<Object> r = eval(DELETE, keys, args);
          Optional<WriteResult> out = outcome(r, path, expectedVersion);
          if (out.isPresent()) {
            return out.get();
          }
          long v = (Long) r.get(1);
          acknowledge(v);
          // Read before the script: a node recreated in between is answered with empty settings.
          Tenant b =
              before.orElse(new Tenant(path, Settings.empty(), Optional.empty(), 0, now, who));
          return new WriteResult.Written(new Tenant(path, b.settings(), b.brand(), v, now, who), v);
        });
  }

  /** An ancestor changing between validation and write forces a retry; not forever. */
  private static void retryBound(int attempt, TenantPath path) {
    if (attempt == 10) {
      throw new TenantStoreException(
          "gave up writing " + path + ": its ancestors changed during 10 attempts");
    }
  }

  /**
   * Runs a create or update script with the ancestors' versions as guards.
   *
   * @param draft the tenant written, its version still 0
   * @return the result, or empty when the script asks for a retry (an ancestor changed meanwhile)
   */
  private Optional<WriteResult> write(
      String script,
      List<String> keys,
      List<String> args,
      List<Tenant> anc,
      long expected,
      Tenant draft) {
    for (Tenant a : anc) {
      keys.add(nodeKey(a.path()));
      args.add(Long.toString(a.version()));
    }
    List<Object> r = eval(script, keys, args);
    Optional<WriteResult> out = outcome(r, draft.path(), expected);
    if (out.isPresent() || "retry".equals(r.get(0))) {
      return out;
    }
    long v = (Long) r.get(1);
    acknowledge(v);
    Tenant t =
        new Tenant(
            draft.path(), draft.settings(), draft.brand(), v, draft.changedAt(), draft.changedBy());
    return Optional.of(new WriteResult.Written(t, v));
  }

  private List<Object> eval(String script, List<String> keys, List<String> args) {
    String want = knownId != null ? knownId : identity(redis());
    List<String> k = new ArrayList<>(keys.size() + 1);
    k.add(key("id"));
    k.addAll(keys);
    List<String> a = new ArrayList<>(args.size() + 1);
    a.add(want);
    a.addAll(args);
    List<Object> r =
        redis()
            .eval(
                script, ScriptOutputType.MULTI, k.toArray(String[]::new), a.toArray(String[]::new));
    switch ((String) r.get(0)) {
      case "empty" -> throw lost(want);
      case "foreign" -> {
        knownId = (String) r.get(1);
        throw new TenantStoreException(
            "the tenant store at "
                + options.uri()
                + " was started afresh (its identity is now "
                + r.get(1)
                + ", this client worked with "
                + want
                + "): nothing was written; read the node again and retry");
      }
      default -> {
        return r;
      }
    }
  }

  /** The script's refusal as a result, or empty for {@code ok} and {@code retry}. */
  private static Optional<WriteResult> outcome(List<Object> r, TenantPath path, long expected) {
    return switch ((String) r.get(0)) {
      case "ok", "retry" -> Optional.empty();
      case "notfound" -> Optional.of(new WriteResult.NotFound(expected < 0 ? path.parent() : path));
      case "stale" ->
          Optional.of(
              new WriteResult.Stale(path, expected, Long.parseLong(String.valueOf(r.get(1)))));
      case "conflict" -> Optional.of(new WriteResult.Conflict(path, (String) r.get(1)));
      default -> throw new IllegalStateException("unexpected script answer " + r);
    };
  }

  private void acknowledge(long version) {
    if (options.replicasToAck() == 0) {
      return;
    }
    long got = redis().waitForReplication(options.replicasToAck(), options.ackTimeout().toMillis());
    if (got < options.replicasToAck()) {
      throw new TenantStoreException(
          "change "
              + version
              + " is on the primary, but only "
              + got
              + " of "
              + options.replicasToAck()
              + " replicas confirmed it within "
              + options.ackTimeout()
              + ": it is not acknowledged and may be lost if the primary fails now");
    }
  }

  private static Optional<WriteResult> check(
      TenantPath path, Settings settings, Optional<Brand> brand, List<Tenant> ancestors) {
    if (brand.isPresent() && path.kind().orElseThrow() != TenantPath.Kind.RESELLER) {
      return Optional.of(new WriteResult.Invalid(path, "brand", "only a reseller has a brand"));
    }
    return Validator.check(path, settings, ancestors).map(WriteResult.class::cast);
  }

  private static String body(Tenant t) {
    Map<String, Object> m = new LinkedHashMap<>(Json.tenant(t));
    m.remove("version");
    return Json.write(m);
  }

  private static Change change(StreamMessage<String, String> m) {
    Map<String, String> b = m.getBody();
    long v = Long.parseLong(m.getId().substring(0, m.getId().indexOf('-')));
    TenantPath path = TenantPath.parse(b.get("path"));
    String body = b.get("body");
    return new Change(
        v,
        java.time.Instant.parse(b.get("at")),
        b.get("principal"),
        Change.Op.valueOf(b.get("op")),
        path,
        body == null ? Optional.empty() : Optional.of(Json.tenant(Json.read(body), v)));
  }

  @Override
  public ChangesSince changesSince(long version) {
    return call("changes since " + version, () -> changesOn(redis(), version));
  }

  private ChangesSince changesOn(RedisCommands<String, String> r, long version) {
    List<StreamMessage<String, String>> ms =
        r.xrange(key("log"), Range.create("(" + version + "-0", "+"), Limit.create(0, BATCH));
    String current = r.get(key("version"));
    long latest = current == null ? 0 : Long.parseLong(current);
    if (latest < version) {
      // Lost its data since this client saw it: an error, not an empty tree for the nodes.
      identity(r);
      // Another history (restored, or started afresh): start again from its snapshot.
      return new ChangesSince.Trimmed(latest);
    }
    if (ms.isEmpty()) {
      if (version < latest) {
        return new ChangesSince.Trimmed(oldest(r, latest));
      }
      return new ChangesSince.Changes(List.of(), version);
    }
    List<Change> out = new ArrayList<>();
    for (StreamMessage<String, String> m : ms) {
      out.add(change(m));
    }
    if (out.getFirst().version() != version + 1) {
      return new ChangesSince.Trimmed(out.getFirst().version() - 1);
    }
    return new ChangesSince.Changes(out, out.getLast().version());
  }

  private long oldest(RedisCommands<String, String> r, long latest) {
    List<StreamMessage<String, String>> first =
        r.xrange(key("log"), Range.create("-", "+"), Limit.create(0, 1));
    return first.isEmpty() ? latest : change(first.getFirst()).version() - 1;
  }

  @Override
  public ChangesSince changesSince(long version, Duration wait) throws InterruptedException {
    ChangesSince now = changesSince(version);
    if (!(now instanceof ChangesSince.Changes c) || !c.changes().isEmpty() || wait.isZero()) {
      return now;
    }
    blockingLock.lockInterruptibly();
    try {
      return call(
          "wait for changes after " + version,
          () -> {
            if (blockingStale && blocking != null) {
              blocking.close();
              blocking = null;
            }
            blockingStale = false;
            if (blocking == null || !blocking.isOpen()) {
              blocking = client.connect(StringCodec.UTF8);
            }
            // The command timeout must outlast the block.
            blocking.setTimeout(wait.plus(options.commandTimeout()));
            List<StreamMessage<String, String>> ms = xread(blocking.sync(), wait, version);
            if (ms == null || ms.isEmpty()) {
              return new ChangesSince.Changes(List.of(), version);
            }
            return changesOn(redis(), version);
          });
    } finally {
      blockingLock.unlock();
    }
  }

  // One stream offset through a generic varargs parameter: safe, nothing is stored in the array.
  @SuppressWarnings("unchecked")
  private List<StreamMessage<String, String>> xread(
      RedisCommands<String, String> r, Duration wait, long version) {
    return r.xread(
        XReadArgs.Builder.block(Math.max(1, wait.toMillis())).count(BATCH),
        XReadArgs.StreamOffset.from(key("log"), version + "-0"));
  }

  /**
   * A consistent snapshot without stopping writers: read the version, scan every node, then replay
   * the changes since that version over what was read. A node read mid-change is set right by the
   * change (which the log holds), so the result is the tree at the version of the last change
   * replayed.
   */
  @Override
  public Snapshot snapshot() {
    return call(
        "snapshot",
        () -> {
          for (int attempt = 0; ; attempt++) {
            String v0s = redis().get(key("version"));
            long v0 = v0s == null ? 0 : Long.parseLong(v0s);
            List<Tenant> read = new ArrayList<>();
            List<TenantPath> batch = new ArrayList<>();
            ScanIterator<String> it =
                ScanIterator.scan(
                    redis(), ScanArgs.Builder.matches(escape(key("node:")) + "*").limit(1000));
            int cut = key("node:").length();
            while (it.hasNext()) {
              batch.add(TenantPath.parse(it.next().substring(cut)));
              if (batch.size() == 1000) {
                read.addAll(readAll(batch));
                batch.clear();
              }
            }
            read.addAll(readAll(batch));
            TreeModel model = new TreeModel(1);
            model.reset(new Snapshot(v0, read));
            long at = v0;
            boolean trimmed = false;
            while (true) {
              ChangesSince cs = changesOn(redis(), at);
              if (cs instanceof ChangesSince.Trimmed) {
                trimmed = true;
                break;
              }
              ChangesSince.Changes c = (ChangesSince.Changes) cs;
              if (c.changes().isEmpty()) {
                break;
              }
              c.changes().forEach(model::apply);
              at = c.latest();
            }
            if (!trimmed) {
              confirmIdentity();
              return model.snapshot();
            }
            if (attempt == 5) {
              throw new TenantStoreException(
                  "no consistent snapshot: the change stream is trimmed faster than the tree is"
                      + " read (raise the stream length)");
            }
          }
        });
  }

  private static String escape(String glob) {
    return glob.replaceAll("([\\\\*?\\[\\]])", "\\\\$1");
  }

  @Override
  public long version() {
    return call(
        "version",
        () -> {
          confirmIdentity();
          String v = redis().get(key("version"));
          return v == null ? 0L : Long.parseLong(v);
        });
  }

  @Override
  public List<Change> audit(TenantPath under, long afterVersion, int limit) {
    if (limit < 1 || limit > 10_000) {
      throw new IllegalArgumentException("limit must be 1 to 10000, got " + limit);
    }
    return call(
        "audit",
        () -> {
          List<Change> out = new ArrayList<>();
          long from = afterVersion;
          while (out.size() < limit) {
            List<StreamMessage<String, String>> ms =
                redis()
                    .xrange(
                        key("audit"), Range.create("(" + from + "-0", "+"), Limit.create(0, 1000));
            if (ms.isEmpty()) {
              break;
            }
            for (StreamMessage<String, String> m : ms) {
              Change c = change(m);
              from = c.version();
              if (under.contains(c.path()) && out.size() < limit) {
                out.add(c);
              }
            }
          }
          return out;
        });
  }

  private static final String PUT_KEY =
      IDENTITY_GUARD
          + """
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
      redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
      return {'ok', 1}
      """;

  private static final String REMOVE_KEY =
      IDENTITY_GUARD
          + """
      if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return {'ok', 0} end
      redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
      return {'ok', 1}
      """;

  /**
   * The admin API's key records kept in this store (hash {@code keys}: key id to the record, which
   * holds the key's SHA-256, never its secret), so that every node's admin API accepts the same
   * keys and a revocation reaches all of them at once.
   */
  public Map<String, String> keyRecords() {
    return call("key records", () -> redis().hgetall(key("keys")));
  }

  /** One key record, read from the primary at each call (no cache to outlive a revocation). */
  public Optional<String> keyRecord(String id) {
    return call("key record", () -> Optional.ofNullable(redis().hget(key("keys"), id)));
  }

  /**
   * Stores a key record and appends the event to the key audit stream ({@code keys:audit}), in one
   * script; waits for {@code replicasToAck} replicas as a tenant change does.
   *
   * @param event the audit entry's fields (who, what, when), never the secret
   */
  public void putKey(String id, String record, Map<String, String> event) {
    call(
        "store key " + id,
        () -> {
          List<String> args = new ArrayList<>(List.of(id, record));
          event.forEach(
              (k, v) -> {
                args.add(k);
                args.add(v);
              });
          eval(PUT_KEY, new ArrayList<>(List.of(key("keys"), key("keys:audit"))), args);
          acknowledge(0);
          return null;
        });
  }

  /**
   * Removes a key record and appends the event to the key audit stream, in one script.
   *
   * @return false when there was no such key (nothing is appended then)
   */
  public boolean removeKey(String id, Map<String, String> event) {
    return call(
        "revoke key " + id,
        () -> {
          List<String> args = new ArrayList<>(List.of(id));
          event.forEach(
              (k, v) -> {
                args.add(k);
                args.add(v);
              });
          List<Object> r =
              eval(REMOVE_KEY, new ArrayList<>(List.of(key("keys"), key("keys:audit"))), args);
          acknowledge(0);
          return ((Long) r.get(1)) == 1;
        });
  }

  /** The key audit stream, oldest first, at most {@code limit} entries. */
  public List<Map<String, String>> keyAudit(int limit) {
    return call(
        "key audit",
        () -> {
          List<Map<String, String>> out = new ArrayList<>();
          for (StreamMessage<String, String> m :
              redis().xrange(key("keys:audit"), Range.create("-", "+"), Limit.create(0, limit))) {
            out.add(m.getBody());
          }
          return out;
        });
  }

  @Override
  public void close() {
    blockingLock.lock();
    try {
      if (blocking != null) {
        blocking.close();
      }
    } finally {
      blockingLock.unlock();
    }
    if (connection != null) {
      connection.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  private static String principal(String principal) {
    if (principal == null || principal.isBlank()) {
      throw new IllegalArgumentException("a change needs a principal");
    }
    return principal;
  }
}
