package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.InvalidRequestException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the converter refuses, and the integer ranges it spells out, checked without llama.cpp. What
 * its grammars accept is checked on llama.cpp's own grammar engine (FfmJsonSchemaGrammarTest).
 */
class JsonSchemaGrammarTest {

  private static String refusal(String schema) {
    return assertThrows(InvalidRequestException.class, () -> JsonSchemaGrammar.fromSchema(schema, false)).getMessage();
  }

  @Test
  void aKeywordItCannotHonourIsRefusedNamingItAndWhereItIs() {
    assertEquals("JSON Schema #: keyword \"uniqueItems\" is not supported", refusal("{\"type\":\"array\",\"uniqueItems\":true}"));
    assertEquals("JSON Schema #/properties/n: keyword \"multipleOf\" is not supported",
        refusal("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"multipleOf\":2}}}"));
    assertEquals("JSON Schema #: keyword \"allOf\" is not supported", refusal("{\"allOf\":[{\"type\":\"string\"}]}"));
    assertEquals("JSON Schema #: keyword \"not\" is not supported", refusal("{\"not\":{\"type\":\"string\"}}"));
    assertEquals("JSON Schema #/format: format \"ipv4\" is not supported (date, time, date-time, uuid, email are)",
        refusal("{\"type\":\"string\",\"format\":\"ipv4\"}"));
    assertEquals("JSON Schema #/$ref: only references into $defs or definitions of the same schema are supported, "
        + "was \"https://example.com/s.json\"", refusal("{\"$ref\":\"https://example.com/s.json\"}"));
    assertEquals("JSON Schema #/$ref: \"#/$defs/missing\" names nothing in the schema", refusal("{\"$ref\":\"#/$defs/missing\"}"));
    assertEquals("JSON Schema #/type: unknown type \"float\"", refusal("{\"type\":\"float\"}"));
    assertEquals("JSON Schema #: is false, which no value satisfies", refusal("false"));
  }

  @Test
  void malformedOrHugeSchemasAreRefusedBeforeAnyGrammarIsMade() {
    assertTrue(refusal("{\"type\":").startsWith("the JSON Schema is not valid JSON: "));
    assertEquals("a JSON Schema is an object or a boolean, was ARRAY", refusal("[1]"));
    assertEquals("JSON Schema #: a repetition of more than 1000 (5000) is not supported", refusal("{\"type\":\"string\",\"maxLength\":5000}"));
    assertEquals("JSON Schema #/maxItems: must be a whole number >= 0, was -1", refusal("{\"type\":\"array\",\"maxItems\":-1}"));
    assertEquals("JSON Schema #: maxLength 2 is below minLength 3", refusal("{\"type\":\"string\",\"minLength\":3,\"maxLength\":2}"));
    assertEquals("JSON Schema #: no integer lies between its bounds 5 and 4", refusal("{\"type\":\"integer\",\"minimum\":5,\"maximum\":4}"));
    assertEquals("JSON Schema #/minimum: a number's bound must be a whole number here, was 0.5",
        refusal("{\"type\":\"number\",\"minimum\":0.5}"));
    assertTrue(refusal("{\"type\":\"string\",\"pattern\":\"(?=a)b\"}").contains("lookaround"));
    assertTrue(refusal("{\"type\":\"string\",\"pattern\":\"(a)\\\\1\"}").contains("the escape \\1 is not supported"));
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      deep.append("{\"type\":\"array\",\"items\":");
    }
    deep.append("true").append("}".repeat(100));
    assertTrue(refusal(deep.toString()).endsWith("nested deeper than 64"));
  }

  @Test
  void annotationsAreIgnoredAndDefsAreReachable() {
    String grammar = JsonSchemaGrammar.fromSchema("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"title\":\"T\","
        + "\"description\":\"d\",\"$defs\":{\"id\":{\"type\":\"integer\"}},\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/id\","
        + "\"description\":\"x\"}},\"required\":[\"a\"]}", false);
    assertTrue(grammar.startsWith("root ::= \"{\" ws \"\\\"a\\\"\" ws \":\" ws s-ref-id ws \"}\"\n"), grammar);
  }

  /** The GBNF of IntegerRanges as a Java regex: it uses only quoted characters, classes, {n}, groups and |. */
  private static Pattern regex(String gbnf) {
    String r = gbnf.replace(" ", "").replaceAll("\"(.)\"", "\\\\Q$1\\\\E");
    return Pattern.compile(r);
  }

  @Test
  void integerRangesMatchExactlyTheIntegersBetweenTheirBounds() {
    List<BigInteger[]> ranges = new ArrayList<>();
    long[] edges = {-1000, -999, -101, -100, -99, -57, -10, -9, -1, 0, 1, 7, 9, 10, 19, 99, 100, 101, 150, 199, 250, 999, 1000};
    for (long lo : edges) {
      for (long hi : edges) {
        if (lo <= hi) {
          ranges.add(new BigInteger[] {BigInteger.valueOf(lo), BigInteger.valueOf(hi)});
        }
      }
      ranges.add(new BigInteger[] {BigInteger.valueOf(lo), null});
      ranges.add(new BigInteger[] {null, BigInteger.valueOf(lo)});
    }
    for (BigInteger[] range : ranges) {
      Pattern p = regex(IntegerRanges.between(range[0], range[1]));
      for (long n = -1100; n <= 1100; n++) {
        long x = n;
        boolean inside = (range[0] == null || x >= range[0].longValue()) && (range[1] == null || x <= range[1].longValue());
        assertEquals(inside, p.matcher(Long.toString(x)).matches(), () -> "[" + range[0] + ", " + range[1] + "] and " + x + ": " + p);
      }
      for (String odd : List.of("-0", "00", "007", "-01", "", "-")) {
        assertTrue(!p.matcher(odd).matches(), () -> "[" + range[0] + ", " + range[1] + "] must not match \"" + odd + "\": " + p);
      }
    }
  }
}
