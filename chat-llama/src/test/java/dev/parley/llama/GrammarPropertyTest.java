package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.ResponseFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Generated schemas, a reply sampled from the random-weight tiny model under each one's grammar, and
 * every reply that ended by itself validated against its schema by networknt's json-schema-validator
 * (draft 2020-12, formats asserted). Runs on both engines. {@code -Dparley.grammar.schemas=N} sets the
 * count: 2,000 by default, and the first 500 of them in the build's JNI run (chat-llama's pom).
 */
class GrammarPropertyTest {
  private static final int SCHEMAS = Integer.getInteger("parley.grammar.schemas", 2000);
  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  @Test
  void everyReplyUnderAGeneratedSchemaIsValid() throws Exception {
    SchemaGenerator generator = new SchemaGenerator(20261202);
    List<String> schemas = new ArrayList<>();
    for (int i = 0; i < SCHEMAS; i++) {
      schemas.add(generator.next());
    }
    List<String> invalid = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger valid = new AtomicInteger();
    AtomicInteger cut = new AtomicInteger();
    try (LlamaChatModel model = TestModels.loadTiny(4)) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> runs = new ArrayList<>();
        for (int i = 0; i < schemas.size(); i++) {
          int n = i;
          runs.add(pool.submit(() -> {
            String schema = schemas.get(n);
            GenerationOptions options = GenerationOptions.builder().maxTokens(160).temperature(1.0).seed(n)
                .responseFormat(ResponseFormat.jsonSchema("s" + n, schema, false)).build();
            ChatResponse r = model.generate(new ChatRequest(List.of(Message.user("Answer in JSON.")), options));
            if (r.finishReason() == FinishReason.LENGTH) {
              cut.incrementAndGet();
              return;
            }
            Schema s = REGISTRY.getSchema(schema, InputFormat.JSON);
            List<?> errors;
            try {
              errors = s.validate(r.text(), InputFormat.JSON,
                  (context, schemaContext) -> context.executionConfig(c -> c.formatAssertionsEnabled(true)));
            } catch (RuntimeException e) {
              errors = List.of("not JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (r.finishReason() != FinishReason.STOP || !errors.isEmpty()) {
              invalid.add(schema + "\n  wrote " + r.text() + " (" + r.finishReason() + ")\n  " + errors);
            } else {
              valid.incrementAndGet();
            }
          }));
        }
        for (Future<?> f : runs) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    }
    assertEquals(List.of(), invalid.subList(0, Math.min(invalid.size(), 10)), invalid.size() + " invalid replies");
    assertTrue(cut.get() * 20 < SCHEMAS, "more than 5% of replies hit maxTokens (" + cut + "): the schemas are too loose to test");
    assertEquals(SCHEMAS, valid.get() + cut.get());
  }

  /**
   * A grammar that allows any character but ASCII letters and digits makes a random model write many
   * byte tokens, some of which begin sequences llama.cpp's grammar engine would let end as invalid
   * UTF-8: the engines must rule those out, so that what the caller gets is what the grammar allowed.
   */
  @Test
  void repliesUnderAGrammarStayValidUtf8() throws Exception {
    String schema = "{\"type\":\"string\",\"pattern\":\"^[^a-zA-Z0-9 ]{24}$\"}";
    List<String> broken = new ArrayList<>();
    try (LlamaChatModel model = TestModels.loadTiny(4)) {
      for (int n = 0; n < 120; n++) {
        GenerationOptions options = GenerationOptions.builder().maxTokens(96).temperature(1.5).topK(0).topP(1.0).minP(0).seed(n)
            .responseFormat(ResponseFormat.jsonSchema("s", schema, false)).build();
        ChatResponse r = model.generate(new ChatRequest(List.of(Message.user("Write symbols.")), options));
        if (r.finishReason() == FinishReason.LENGTH) {
          continue;
        }
        String value = r.text().substring(1, r.text().length() - 1);
        if (value.indexOf('\uFFFD') >= 0 || value.codePointCount(0, value.length()) != 24 || !r.text().startsWith("\"")) {
          broken.add(r.text());
        }
      }
    }
    assertEquals(List.of(), broken);
  }
}
