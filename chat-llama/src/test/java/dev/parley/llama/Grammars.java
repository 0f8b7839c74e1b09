package dev.parley.llama;

/** The GBNF Parley samples a JSON Schema under, for benchmarks that hand the same grammar to llama-server. */
public final class Grammars {
  private Grammars() {}

  public static String fromSchema(String schema, boolean strict) {
    return JsonSchemaGrammar.fromSchema(schema, strict);
  }
}
