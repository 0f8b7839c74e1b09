package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The CPU variant choice, against feature sets given to it (any CPU runs these). */
class CpuVariantsTest {
  /** ggml's x86 variants as its CMake lists them (release 0.4.0), in its order. */
  private static final Map<String, Set<String>> X86 = CpuVariants.parse(List.of(
      "variant.x64=",
      "variant.sse42=SSE42",
      "variant.sandybridge=SSE42,AVX",
      "variant.ivybridge=SSE42,AVX,F16C",
      "variant.piledriver=SSE42,AVX,F16C,FMA",
      "variant.haswell=SSE42,AVX,F16C,FMA,AVX2,BMI2",
      "variant.skylakex=SSE42,AVX,F16C,FMA,AVX2,BMI2,AVX512",
      "variant.cannonlake=SSE42,AVX,F16C,FMA,AVX2,BMI2,AVX512,AVX512_VBMI",
      "variant.cascadelake=SSE42,AVX,F16C,FMA,AVX2,BMI2,AVX512,AVX512_VNNI",
      "variant.icelake=SSE42,AVX,F16C,FMA,AVX2,BMI2,AVX512,AVX512_VBMI,AVX512_VNNI",
      "variant.cooperlake=SSE42,AVX,F16C,FMA,AVX2,BMI2,AVX512,AVX512_VNNI,AVX512_BF16",
      "variant.zen4=SSE42,AVX,F16C,FMA,AVX2,BMI2,AVX512,AVX512_VBMI,AVX512_VNNI,AVX512_BF16",
      "variant.alderlake=SSE42,AVX,F16C,FMA,AVX2,BMI2,AVX_VNNI",
      "variant.sapphirerapids=SSE42,AVX,F16C,FMA,AVX2,BMI2,AVX512,AVX512_VBMI,AVX512_VNNI,AVX512_BF16,AMX_TILE,AMX_INT8"));

  private static final String HASWELL_FLAGS = "fpu sse sse2 ssse3 sse4_1 sse4_2 avx f16c fma avx2 bmi1 bmi2";
  private static final String AVX512 = " avx512f avx512cd avx512vl avx512dq avx512bw";
  private static final String SAPPHIRE_RAPIDS_FLAGS = HASWELL_FLAGS + AVX512
      + " avx512vbmi avx512_vnni avx512_bf16 avx_vnni amx_tile amx_int8 amx_bf16";

  private static Set<String> cpu(String flags) {
    return CpuVariants.cpuFeatures(Set.of(flags.split(" ")), "amd64");
  }

  @Test
  void anAvx2CpuGetsHaswell() {
    CpuVariants.Choice c = CpuVariants.choose(X86, cpu(HASWELL_FLAGS), null, v -> true);
    assertEquals("haswell", c.variant());
    assertEquals("needs AVX512", c.passedOver().get("skylakex"));
    assertEquals("fewer features than haswell", c.passedOver().get("sse42"));
  }

  @Test
  void aCpuReportingAmxGetsItsBestVariantWithoutAmxUntilTheTrialPasses() {
    List<String> asked = new ArrayList<>();
    CpuVariants.Choice unproven = CpuVariants.choose(X86, cpu(SAPPHIRE_RAPIDS_FLAGS), null, v -> {
      asked.add(v);
      return false;
    });
    assertEquals("zen4", unproven.variant(), "the most features short of AMX");
    assertEquals(List.of("sapphirerapids"), asked, "only AMX variants go to trial");
    assertEquals("uses AMX and did not pass its trial run", unproven.passedOver().get("sapphirerapids"));

    assertEquals("sapphirerapids", CpuVariants.choose(X86, cpu(SAPPHIRE_RAPIDS_FLAGS), null, v -> true).variant());
  }

  @Test
  void aVariantNeedingAFeatureTheCpuLacksIsNeverChosen() {
    // AVX-512 without BF16 (Ice Lake server): not cooperlake, zen4 or sapphirerapids.
    String icelake = HASWELL_FLAGS + AVX512 + " avx512vbmi avx512_vnni";
    assertEquals("icelake", CpuVariants.choose(X86, cpu(icelake), null, v -> true).variant());
    // AVX-VNNI without AVX-512 (Alder Lake): alderlake has one feature more than haswell.
    assertEquals("alderlake", CpuVariants.choose(X86, cpu(HASWELL_FLAGS + " avx_vnni"), null, v -> true).variant());
    // AVX512 needs all five of ggml's -mavx512* flags: avx512f alone is not enough.
    assertEquals("haswell", CpuVariants.choose(X86, cpu(HASWELL_FLAGS + " avx512f"), null, v -> true).variant());
    // Nothing known: the baseline.
    assertEquals("x64", CpuVariants.choose(X86, Set.of(), null, v -> true).variant());
  }

  @Test
  void aForcedVariantIsTakenOnlyWhenTheCpuHasItsFeatures() {
    assertEquals("sse42", CpuVariants.choose(X86, cpu(HASWELL_FLAGS), "sse42", v -> false).variant());
    // Forcing an AMX variant skips the trial: the user asked for it.
    assertEquals("sapphirerapids",
        CpuVariants.choose(X86, cpu(SAPPHIRE_RAPIDS_FLAGS), "sapphirerapids", v -> false).variant());
    IllegalArgumentException lacking = assertThrows(IllegalArgumentException.class,
        () -> CpuVariants.choose(X86, cpu(HASWELL_FLAGS), "zen4", v -> true));
    assertEquals("CPU variant \"zen4\" needs AVX512, AVX512_BF16, AVX512_VBMI, AVX512_VNNI, which this CPU lacks",
        lacking.getMessage());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> CpuVariants.choose(X86, cpu(HASWELL_FLAGS), "pentium", v -> true));
    assertTrue(unknown.getMessage().startsWith("no CPU variant \"pentium\"; these were built: alderlake, cannonlake"),
        unknown.getMessage());
  }

  @Test
  void noFittingVariantIsAnErrorNamingWhy() {
    Map<String, Set<String>> onlyAvx2 = CpuVariants.parse(List.of("variant.haswell=AVX2,FMA"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CpuVariants.choose(onlyAvx2, cpu("sse4_2"), null, v -> true));
    assertTrue(e.getMessage().contains("haswell=needs AVX2, FMA"), e.getMessage());
  }

  @Test
  void cpuinfoIsReadFromTheFirstProcessorsFlagsOrFeatures() {
    List<String> x86 = List.of("processor\t: 0", "model name\t: AMD EPYC 9B14",
        "flags\t\t: fpu sse4_2 avx avx2", "", "processor\t: 1", "flags\t\t: fpu");
    assertEquals(Set.of("fpu", "sse4_2", "avx", "avx2"), CpuVariants.cpuinfoFlags(x86));
    assertEquals(Set.of("SSE42", "AVX", "AVX2"), CpuVariants.cpuFeatures(CpuVariants.cpuinfoFlags(x86), "amd64"));
    assertEquals("AMD EPYC 9B14 | avx avx2 fpu sse4_2", CpuVariants.cpuKey(x86));

    List<String> arm = List.of("processor\t: 0", "Features\t: fp asimd asimddp sve i8mm");
    assertEquals(Set.of("DOTPROD", "SVE", "MATMUL_INT8"),
        CpuVariants.cpuFeatures(CpuVariants.cpuinfoFlags(arm), "aarch64"));
  }

  @Test
  void malformedVariantLinesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> CpuVariants.parse(List.of("variant.broken")));
    assertEquals(Map.of("a", Set.of("AVX")), CpuVariants.parse(List.of("# comment", "release=0.4.0", "variant.a= AVX ")));
  }
}
