package dev.mailfilter.config;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.ConstructNode;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.JsonScalarResolver;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;

/**
 * YAML text to Java values straight from SnakeYAML's parser events, for the plain YAML a
 * configuration file holds: mappings, sequences and untagged scalars. SnakeYAML's {@code Load}
 * first composes a graph of nodes (with their tuples, comments and anchors) and then constructs the
 * values from it, checking each mapping's keys for duplicates by comparing nodes; for a provider's
 * 50,000-domain file that graph was a third of the parse's garbage. The values built here are those
 * {@code Load} builds for the same text (insertion-ordered maps, array lists, scalars resolved and
 * constructed by the same schema); anything else (an explicit tag, an alias, a non-scalar key, a
 * key given twice, a second document) is {@linkplain Unsupported refused}, and the caller loads the
 * text with {@code Load}, which builds it or reports the error as before.
 */
final class YamlEvents {
  /** The text uses something only SnakeYAML's full loader handles; no error of the text itself. */
  static final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unsupported(String what) {
      super(what, null, false, false); // control flow of a fallback: no stack trace to fill
    }
  }

  private final ScalarResolver resolver;
  private final boolean jsonSchema;
  private final Map<Tag, ConstructNode> schemaConstructors;
  private final Map<Tag, ConstructNode> customConstructors;
  private final Iterator<Event> events;

  private YamlEvents(LoadSettings settings, String yaml) {
    this.resolver = settings.getSchema().getScalarResolver();
    this.jsonSchema = resolver.getClass() == JsonScalarResolver.class;
    this.schemaConstructors = settings.getSchema().getSchemaTagConstructors();
    this.customConstructors = settings.getTagConstructors();
    this.events = new Parse(settings).parseString(yaml).iterator();
  }

  /**
   * The single document of {@code yaml}, null when there is none.
   *
   * @throws Unsupported when the text needs SnakeYAML's full loader
   * @throws org.snakeyaml.engine.v2.exceptions.YamlEngineException when the text is no YAML
   */
  static Object load(LoadSettings settings, String yaml) {
    return new YamlEvents(settings, yaml).document();
  }

  private Object document() {
    next(); // stream start
    if (next().getEventId() == Event.ID.StreamEnd) {
      return null;
    }
    Object root = value(next()); // after the document start
    next(); // document end: the parser has checked the structure
    if (next().getEventId() != Event.ID.StreamEnd) {
      throw new Unsupported("more than one document"); // Load's error names the second one
    }
    return root;
  }

  /** A mapping or sequence being filled, and for a mapping the key that awaits its value. */
  private static final class Open {
    final Map<Object, Object> map; // null for a sequence
    final List<Object> list;
    Object key;
    boolean hasKey;

    Open(Map<Object, Object> map, List<Object> list) {
      this.map = map;
      this.list = list;
    }

    void add(Object value) {
      if (list != null) {
        list.add(value);
      } else if (!hasKey) {
        key = value;
        hasKey = true;
      } else {
        if (map.containsKey(key)) {
          throw new Unsupported("duplicate key"); // Load reports it with its line
        }
        map.put(key, value);
        hasKey = false;
      }
    }
  }

  /** The value that starts with {@code first}, read to its end; iterative, nesting is unbounded. */
  private Object value(Event first) {
    Deque<Open> open = new ArrayDeque<>(); // innermost first
    Event e = first;
    while (true) {
      Object done;
      switch (e.getEventId()) {
        case Scalar -> done = scalar((ScalarEvent) e);
        case MappingStart, SequenceStart -> {
          CollectionStartEvent start = (CollectionStartEvent) e;
          if (start.getTag().isPresent() && !start.getTag().get().equals("!")) {
            throw new Unsupported("explicit tag");
          }
          if (!open.isEmpty() && open.peek().map != null && !open.peek().hasKey) {
            throw new Unsupported("a mapping or sequence as a key");
          }
          open.push(
              e.getEventId() == Event.ID.MappingStart
                  ? new Open(new LinkedHashMap<>(), null)
                  : new Open(null, new ArrayList<>()));
          e = next();
          continue;
        }
        case MappingEnd -> done = open.pop().map;
        case SequenceEnd -> done = open.pop().list;
        case Alias -> throw new Unsupported("alias");
        default -> throw new Unsupported("event " + e.getEventId());
      }
      if (open.isEmpty()) {
        return done;
      }
      open.peek().add(done);
      e = next();
    }
  }

  private Object scalar(ScalarEvent e) {
    if (e.getTag().isPresent() && !e.getTag().get().equals("!")) {
      throw new Unsupported("explicit tag");
    }
    String value = e.getValue();
    boolean plain = e.getImplicit().canOmitTagInPlainScalar();
    Tag tag = plain && jsonSchema && isJsonString(value) ? Tag.STR : resolver.resolve(value, plain);
    if (tag.equals(Tag.STR) && !customConstructors.containsKey(Tag.STR)) {
      return value;
    }
    ConstructNode c = customConstructors.getOrDefault(tag, schemaConstructors.get(tag));
    if (c == null) {
      throw new Unsupported("scalar of " + tag);
    }
    return c.construct(new ScalarNode(tag, value, e.getScalarStyle()));
  }

  /**
   * Whether the JSON schema's resolver (SnakeYAML's default) takes a plain scalar for a string
   * without trying a pattern: it has patterns only for scalars that start with one of these
   * characters (booleans, numbers, null, {@code ${ENV}}) and for the empty one. Its {@code resolve}
   * makes a {@code Matcher} for every scalar, a tenth of a provider file's load garbage
   * (YamlEventsTest compares this with the resolver for every first character).
   */
  static boolean isJsonString(String value) {
    return !value.isEmpty() && "tfn-0123456789.$".indexOf(value.charAt(0)) < 0;
  }

  private Event next() {
    Event e = events.next();
    while (e.getEventId() == Event.ID.Comment) {
      e = events.next();
    }
    return e;
  }
}
