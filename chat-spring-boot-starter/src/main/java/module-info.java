/**
 * Spring Boot auto-configuration for Parley: {@code dev.parley.spring.boot}'s {@code
 * ParleyAutoConfiguration} and its properties, health indicator and meters. The package is open to
 * Spring, which builds the configurations and binds the properties reflectively. The health indicator
 * is there only where the application has Spring Boot's health support.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Spring's jars are automatic modules
module dev.parley.spring.boot {
  requires transitive dev.parley.llama;
  requires transitive dev.parley.springai;
  requires transitive dev.parley.micrometer;
  requires transitive spring.beans;
  requires transitive spring.core;
  // Their annotations are on the public configurations.
  requires transitive spring.context;
  requires transitive spring.boot;
  requires transitive spring.boot.autoconfigure;
  requires static transitive spring.boot.health;

  exports dev.parley.spring.boot;
  opens dev.parley.spring.boot to spring.core, spring.beans, spring.context;
}
