package dev.mailfilter.sa;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * A {@code meta} rule's expression: rule names (their hit count: 0 or 1, more for {@code multiple}
 * rules), numbers, {@code ! - + * / < > <= >= == != && || ?:} and parentheses, with Perl's
 * precedence and its value semantics ({@code a && b} is {@code a} when {@code a} is false, else
 * {@code b}; {@code a || b} is {@code a} when true, else {@code b}), so {@code (A && B) + C > 1}
 * counts as SpamAssassin counts. Immutable.
 */
final class MetaExpression {
  /** A node of the parsed expression. */
  private sealed interface Node permits Num, Ref, Unary, Binary, Ternary {}

  private record Num(double value) implements Node {}

  private record Ref(String name) implements Node {}

  private record Unary(char op, Node operand) implements Node {}

  private record Binary(String op, Node left, Node right) implements Node {}

  private record Ternary(Node test, Node then, Node otherwise) implements Node {}

  private final Node root;
  private final Set<String> names;

  private MetaExpression(Node root, Set<String> names) {
    this.root = root;
    this.names = Set.copyOf(names);
  }

  /**
   * Parses an expression.
   *
   * @throws Unsupported for a token or construct outside the language above
   */
  static MetaExpression parse(String text) throws Unsupported {
    Parser p = new Parser(tokenize(text));
    Node n = p.ternary();
    if (p.pos != p.tokens.size()) {
      throw new Unsupported("unexpected '" + p.tokens.get(p.pos) + "' in meta expression");
    }
    return new MetaExpression(n, p.names);
  }

  /** The rule names the expression reads. */
  Set<String> names() {
    return names;
  }

  /** The expression's value, given each rule's hit count. */
  double evaluate(ToDoubleFunction<String> hits) {
    return eval(root, hits);
  }

  private static double eval(Node n, ToDoubleFunction<String> hits) {
    return switch (n) {
      case Num num -> num.value();
      case Ref ref -> hits.applyAsDouble(ref.name());
      case Unary u ->
          u.op() == '!' ? truth(eval(u.operand(), hits) == 0) : -eval(u.operand(), hits);
      case Ternary t ->
          eval(t.test(), hits) != 0 ? eval(t.then(), hits) : eval(t.otherwise(), hits);
      case Binary b -> {
        double l = eval(b.left(), hits);
        yield switch (b.op()) {
          case "&&" -> l == 0 ? l : eval(b.right(), hits);
          case "||" -> l != 0 ? l : eval(b.right(), hits);
          default -> {
            double r = eval(b.right(), hits);
            yield switch (b.op()) {
              case "+" -> l + r;
              case "-" -> l - r;
              case "*" -> l * r;
              // Perl dies on a division by zero; SpamAssassin's meta is then false.
              case "/" -> r == 0 ? 0 : l / r;
              case "<" -> truth(l < r);
              case ">" -> truth(l > r);
              case "<=" -> truth(l <= r);
              case ">=" -> truth(l >= r);
              case "==" -> truth(l == r);
              case "!=" -> truth(l != r);
              default -> throw new IllegalStateException("operator " + b.op());
            };
          }
        };
      }
    };
  }

  private static double truth(boolean b) {
    return b ? 1 : 0;
  }

  private static List<String> tokenize(String s) throws Unsupported {
    List<String> tokens = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
        int j = i;
        while (j < s.length()
            && (Character.isLetterOrDigit(s.charAt(j))
                || s.charAt(j) == '_'
                || s.charAt(j) == '.')) {
          j++;
        }
        tokens.add(s.substring(i, j));
        i = j;
      } else {
        String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
        if (List.of("&&", "||", "<=", ">=", "==", "!=").contains(two)) {
          tokens.add(two);
          i += 2;
        } else if ("()!+-*/<>?:".indexOf(c) >= 0) {
          tokens.add(String.valueOf(c));
          i++;
        } else {
          throw new Unsupported("character '" + c + "' in meta expression");
        }
      }
    }
    if (tokens.isEmpty()) {
      throw new Unsupported("empty meta expression");
    }
    return tokens;
  }

  private static final class Parser {
    private final List<String> tokens;
    private final Set<String> names = new LinkedHashSet<>();
    private int pos;

    Parser(List<String> tokens) {
      this.tokens = tokens;
    }

    private String peek() {
      return pos < tokens.size() ? tokens.get(pos) : "";
    }

    private boolean take(String t) {
      if (peek().equals(t)) {
        pos++;
        return true;
      }
      return false;
    }

    Node ternary() throws Unsupported {
      Node test = binary(0);
      if (take("?")) {
        Node then = ternary();
        if (!take(":")) {
          throw new Unsupported("'?' without ':' in meta expression");
        }
        return new Ternary(test, then, ternary());
      }
      return test;
    }

    private static final List<List<String>> LEVELS =
        List.of(
            List.of("||"),
            List.of("&&"),
            List.of("==", "!="),
            List.of("<", ">", "<=", ">="),
            List.of("+", "-"),
            List.of("*", "/"));

    Node binary(int level) throws Unsupported {
      if (level == LEVELS.size()) {
        return unary();
      }
      Node left = binary(level + 1);
      while (LEVELS.get(level).contains(peek())) {
        String op = tokens.get(pos++);
        left = new Binary(op, left, binary(level + 1));
      }
      return left;
    }

    Node unary() throws Unsupported {
      if (take("!")) {
        return new Unary('!', unary());
      }
      if (take("-")) {
        return new Unary('-', unary());
      }
      if (take("+")) {
        return unary();
      }
      if (take("(")) {
        Node n = ternary();
        if (!take(")")) {
          throw new Unsupported("unbalanced parentheses in meta expression");
        }
        return n;
      }
      String t = peek();
      if (t.isEmpty()) {
        throw new Unsupported("meta expression ends early");
      }
      pos++;
      char c = t.charAt(0);
      if (Character.isDigit(c) || c == '.') {
        try {
          return new Num(Double.parseDouble(t));
        } catch (NumberFormatException e) {
          throw new Unsupported("bad number " + t + " in meta expression");
        }
      }
      if (Character.isLetter(c) || c == '_') {
        if (t.indexOf('.') >= 0) {
          throw new Unsupported("bad rule name " + t + " in meta expression");
        }
        names.add(t);
        return new Ref(t);
      }
      throw new Unsupported("unexpected '" + t + "' in meta expression");
    }
  }
}
