/**
 * One llama.cpp model serving many conversations: {@code dev.parley.llama}'s {@code
 * LlamaChatModel} and {@code ModelPool}. On JDK 22 and later the FFM engine (under {@code
 * META-INF/versions/22}) binds the llama.cpp of {@code dev.parley.llama.natives}; on the module path it
 * needs {@code --enable-native-access=dev.parley.llama}. On JDK 17 to 21 the JNI engine runs
 * java-llama.cpp, whose jar declares no module name: it is required by the name its file gives it,
 * {@code llama}.
 */
@SuppressWarnings("requires-automatic")
module dev.parley.llama {
  requires transitive dev.parley.core;
  requires dev.parley.templates;
  requires dev.parley.llama.natives;
  requires llama;
  requires java.net.http; // ModelDownloader
  requires com.github.benmanes.caffeine;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports dev.parley.llama;
}
