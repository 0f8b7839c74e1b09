/**
 * llama.cpp's libraries for {@code dev.parley.llama}'s FFM engine, as resources under {@code
 * dev/parley/llama/natives/PLATFORM/}. No code. The platform folder's name is not a package name,
 * so the libraries are not encapsulated and the engine reads them through its class loader.
 */
module dev.parley.llama.natives {}
