package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parley's JSON Schema grammars on llama.cpp's own grammar engine: each parses, accepts the valid
 * documents and rejects the invalid ones, and agrees on every document with the grammar of llama.cpp's
 * own converter (examples/json_schema_to_grammar.py of the same commit, run with python3), except where
 * a case says why the two differ. Documents are written as the grammars write them: no whitespace,
 * required properties first. JDK 22+.
 */
class FfmJsonSchemaGrammarTest {
  private static GrammarProbe probe;

  /** A schema, documents that satisfy it, documents that do not, and where llama.cpp's converter differs (or null). */
  record Case(String schema, List<String> valid, List<String> invalid, String referenceDiffers) {}

  private static final List<Case> CASES = List.of(
      new Case("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\",\"minimum\":0,"
          + "\"maximum\":150}},\"required\":[\"name\",\"age\"],\"additionalProperties\":false}",
          List.of("{\"name\":\"Ada\",\"age\":36}", "{\"name\":\"\",\"age\":0}", "{\"name\":\"a\\\"b\",\"age\":150}", "{\"name\":\"Zoë 🌊\",\"age\":7}",
              "{ \"name\": \"Ada\", \"age\": 36 }"),
          List.of("{\"name\":\"Ada\",\"age\":151}", "{\"name\":\"Ada\",\"age\":-1}", "{\"name\":\"Ada\"}", "{\"age\":3,\"name\":\"x\"}",
              "{\"name\":\"Ada\",\"age\":36,\"x\":1}", "{\"name\":\"Ada\",\"age\":036}", "{\"name\":\"a\nb\",\"age\":1}"), null),
      new Case("{\"enum\":[\"red\",\"green\",3,null,{\"a\":[1,true]}]}",
          List.of("\"red\"", "\"green\"", "3", "null", "{\"a\":[1,true]}"), List.of("\"blue\"", "\"Red\"", "4", "{\"a\":[1]}"),
          "llama.cpp writes an enum's object with Python's spaces ({\"a\": [1, true]}), so the compact one is not among its values"),
      new Case("{\"const\":\"exactly this\"}", List.of("\"exactly this\""), List.of("\"exactly\"", "\"exactly this!\""), null),
      new Case("{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":3}",
          List.of("[1]", "[1,2,3]", "[-5,0]"), List.of("[]", "[1,2,3,4]", "[\"a\"]", "[1,]"), null),
      new Case("{\"type\":\"array\",\"items\":{\"type\":\"boolean\"}}", List.of("[]", "[true]", "[true,false,true]"), List.of("[1]", "[true"), null),
      new Case("{\"type\":\"string\",\"minLength\":2,\"maxLength\":4}", List.of("\"ab\"", "\"abcd\"", "\"\\n\\u00e9\""),
          List.of("\"a\"", "\"abcde\"", "ab"), null),
      new Case("{\"type\":\"string\",\"pattern\":\"^[A-Z]{2}-\\\\d{3}(-[a-z]+)?$\"}", List.of("\"AB-123\"", "\"XY-000-abc\""),
          List.of("\"ab-123\"", "\"AB-12\"", "\"AB-123-\"", "\"AB-1234\""),
          "llama.cpp's converter writes \\d after a literal into the literal, which its own grammar parser refuses"),
      new Case("{\"type\":\"string\",\"pattern\":\"^(yes|no|maybe) [^ ]+\\\\.$\"}", List.of("\"yes it.\"", "\"maybe x.\""),
          List.of("\"yes .\"", "\"nope x.\"", "\"yes a b.\""), null),
      new Case("{\"type\":\"string\",\"format\":\"date\"}", List.of("\"2026-12-02\"", "\"1999-01-31\""),
          List.of("\"2026-13-01\"", "\"2026-12-2\"", "\"2026-00-10\""), null),
      new Case("{\"type\":\"string\",\"format\":\"date-time\"}", List.of("\"2026-12-02T09:30:00Z\"", "\"2026-12-02T23:59:59.123+01:00\""),
          List.of("\"2026-12-02 09:30:00Z\"", "\"2026-12-02T24:00:00Z\""), null),
      new Case("{\"type\":\"string\",\"format\":\"uuid\"}", List.of("\"123e4567-e89b-12d3-a456-426614174000\""),
          List.of("\"123e4567-e89b-12d3-a456\"", "\"123e4567e89b12d3a456426614174000\""), null),
      new Case("{\"type\":\"string\",\"format\":\"email\"}", List.of("\"ada@example.com\"", "\"a.b@mail.example.org\""),
          List.of("\"ada\"", "\"@example.com\"", "\"ada@example\""), "llama.cpp's converter has no email format: any string"),
      new Case("{\"type\":\"integer\",\"exclusiveMinimum\":0,\"exclusiveMaximum\":10}", List.of("1", "9"), List.of("0", "10", "-1", "1.5"), null),
      new Case("{\"type\":\"integer\",\"minimum\":-20,\"maximum\":-3}", List.of("-20", "-3", "-10"), List.of("-2", "-21", "5", "0"), null),
      new Case("{\"type\":\"integer\",\"minimum\":100}", List.of("100", "999", "123456789"), List.of("99", "-100", "0"), null),
      new Case("{\"type\":\"number\",\"minimum\":0,\"maximum\":1}", List.of("0", "1", "0.5", "1.0", "0.999"),
          List.of("1.5", "-0.1", "2", "1.01"), "llama.cpp's converter ignores a number's bounds"),
      new Case("{\"type\":\"number\",\"exclusiveMinimum\":-2,\"maximum\":3}", List.of("-1.5", "-1", "0", "3", "2.25", "-0.5"),
          List.of("-2", "-2.5", "3.5", "4"), "llama.cpp's converter ignores a number's bounds"),
      new Case("{\"type\":\"number\"}", List.of("0", "-1.25", "3e10", "2.5E-3"), List.of("01", "1.", ".5", "+1"), null),
      new Case("{\"anyOf\":[{\"type\":\"string\",\"maxLength\":3},{\"type\":\"boolean\"}]}", List.of("\"abc\"", "true", "false"),
          List.of("\"abcd\"", "1", "null"), null),
      new Case("{\"type\":[\"string\",\"null\"]}", List.of("\"x\"", "null"), List.of("1", "[]"), null),
      new Case("{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"integer\"},\"next\":{\"anyOf\":[{\"$ref\":"
          + "\"#/$defs/node\"},{\"type\":\"null\"}]}},\"required\":[\"v\",\"next\"],\"additionalProperties\":false}},\"$ref\":\"#/$defs/node\"}",
          List.of("{\"v\":1,\"next\":null}", "{\"v\":1,\"next\":{\"v\":2,\"next\":null}}"), List.of("{\"v\":1}", "{\"v\":1,\"next\":{\"v\":2}}"),
          "llama.cpp's converter recurses without end on a recursive $ref inside anyOf"),
      new Case("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"integer\"},\"c\":{\"type\":\"integer\"}},"
          + "\"additionalProperties\":false}", List.of("{}", "{\"b\":2}", "{\"a\":1,\"c\":3}", "{\"a\":1,\"b\":2,\"c\":3}", "{\"c\":3}"),
          List.of("{\"c\":3,\"a\":1}", "{\"a\":1,}", "{,\"a\":1}", "{\"d\":1}"), null),
      new Case("{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}},\"required\":[\"id\"],\"additionalProperties\":{\"type\":\"string\"}}",
          List.of("{\"id\":1}", "{\"id\":1,\"x\":\"y\"}", "{\"id\":1,\"x\":\"y\",\"idx\":\"w\"}", "{\"id\":1,\"i\":\"\"}"),
          List.of("{\"id\":1,\"x\":2}", "{\"id\":1,\"id\":\"dup\"}", "{\"x\":\"y\"}"),
          "llama.cpp's converter also refuses an extra key that is a prefix of a listed one (\"i\" beside \"id\")"),
      new Case("{\"type\":\"object\"}", List.of("{}", "{\"a\":[1,{\"b\":null}]}"), List.of("[]", "{\"a\"}"), null),
      new Case("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}],\"items\":false}",
          List.of("[]", "[\"a\"]", "[\"a\",1]"), List.of("[1,\"a\"]", "[\"a\",1,2]", "[1]"), "llama.cpp's converter fails on items: false"),
      new Case("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"}],\"items\":{\"type\":\"integer\"},\"minItems\":2,\"maxItems\":3}",
          List.of("[\"a\",1]", "[\"a\",1,2]"), List.of("[\"a\"]", "[\"a\",1,2,3]", "[\"a\",\"b\"]"),
          "llama.cpp's converter takes prefixItems as the whole array and drops items"),
      new Case("true", List.of("1", "\"x\"", "{\"a\":[]}", "null"), List.of("nul", "{"), "llama.cpp's converter takes only an object"));

  @BeforeAll
  static void load() {
    probe = new GrammarProbe();
  }

  @AfterAll
  static void close() {
    if (probe != null) {
      probe.close();
    }
  }

  @Test
  void eachGrammarAcceptsTheValidDocumentsAndRejectsTheInvalidOnes() {
    List<String> wrong = new ArrayList<>();
    for (Case c : CASES) {
      String grammar = JsonSchemaGrammar.fromSchema(c.schema(), false);
      assertTrue(probe.parses(grammar), () -> "llama.cpp cannot parse the grammar of " + c.schema() + ":\n" + grammar);
      for (String doc : c.valid()) {
        if (!probe.accepts(grammar, doc)) {
          wrong.add(c.schema() + " rejects valid " + doc);
        }
      }
      for (String doc : c.invalid()) {
        if (probe.accepts(grammar, doc)) {
          wrong.add(c.schema() + " accepts invalid " + doc);
        }
      }
    }
    assertEquals(List.of(), wrong);
  }

  @Test
  void anyObjectIsAnyJsonObject() {
    String grammar = JsonSchemaGrammar.anyObject();
    for (String doc : List.of("{}", "{\"a\":1}", "{\"a\":{\"b\":[1,2.5,\"x\",null,true]}}", "{ \"a\" : 1 }")) {
      assertTrue(probe.accepts(grammar, doc), doc);
    }
    for (String doc : List.of("[]", "1", "\"x\"", "{\"a\":}", "{'a':1}")) {
      assertTrue(!probe.accepts(grammar, doc), doc);
    }
  }

  /** llama.cpp's converter, as its repository ships it; null when this machine cannot run it. */
  private static Path reference() {
    String folder = System.getProperty("parley.llama.reference");
    Path script = folder == null ? null : Path.of(folder, "json_schema_to_grammar.py");
    if (script == null || !Files.isRegularFile(script)) {
      String message = "llama.cpp's json_schema_to_grammar.py is not at " + script + " (chat-llama-natives copies it there)";
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    return script;
  }

  private static String referenceGrammar(Path script, String schema) throws IOException, InterruptedException {
    Path file = Files.createTempFile("parley-schema", ".json");
    try {
      Files.writeString(file, schema);
      Process p = new ProcessBuilder("python3", script.toString(), file.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 did not finish");
      if (p.exitValue() != 0) {
        String[] lines = out.strip().split("\n");
        throw new IllegalStateException(lines[lines.length - 1]);
      }
      return out;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void itAgreesWithLlamaCppsOwnConverterOnEveryDocument() throws Exception {
    Path script = reference();
    List<String> disagreements = new ArrayList<>();
    int compared = 0;
    for (Case c : CASES) {
      String ours = JsonSchemaGrammar.fromSchema(c.schema(), false);
      String theirs;
      try {
        theirs = referenceGrammar(script, c.schema());
      } catch (IllegalStateException e) {
        theirs = null;
      }
      List<String> differing = new ArrayList<>();
      List<String> docs = new ArrayList<>(c.valid());
      docs.addAll(c.invalid());
      if (theirs == null) {
        differing.add("llama.cpp's converter fails");
        docs.clear();
      } else if (!probe.parses(theirs)) {
        differing.add("llama.cpp's grammar does not parse:\n" + theirs);
        docs.clear();
      }
      for (String doc : docs) {
        boolean a = probe.accepts(ours, doc);
        boolean b = probe.accepts(theirs, doc);
        compared++;
        if (a != b) {
          differing.add(doc + " (Parley " + (a ? "accepts" : "rejects") + ", llama.cpp " + (b ? "accepts" : "rejects") + ")");
        }
      }
      if (c.referenceDiffers() == null && !differing.isEmpty()) {
        disagreements.add(c.schema() + ": " + differing);
      } else if (c.referenceDiffers() != null && differing.isEmpty()) {
        disagreements.add(c.schema() + " is said to differ (" + c.referenceDiffers() + ") but agrees on every document");
      }
    }
    assertEquals(List.of(), disagreements);
    assertTrue(compared > 100, "compared " + compared + " documents");
  }
}
