/*
 * Prints the size and field offsets of every llama.cpp struct Parley's FFM engine passes or writes,
 * as compiled against the headers of the build beside it, and that build's llama_version(). The
 * engine's Java layouts must equal these (LayoutTest); a release that moves a field fails the build.
 */
#include <stddef.h>
#include <stdio.h>
#include "llama.h"

#define SIZE(s) printf(#s ".sizeof=%zu\n", sizeof(struct s))
#define FIELD(s, f) printf(#s "." #f "=%zu\n", offsetof(struct s, f))

int main(void) {
    printf("llama_version=%s\n", llama_version());

    SIZE(llama_model_params);
    FIELD(llama_model_params, devices);
    FIELD(llama_model_params, tensor_buft_overrides);
    FIELD(llama_model_params, n_gpu_layers);
    FIELD(llama_model_params, split_mode);
    FIELD(llama_model_params, load_mode);
    FIELD(llama_model_params, lazy_mode);
    FIELD(llama_model_params, main_gpu);
    FIELD(llama_model_params, tensor_split);
    FIELD(llama_model_params, progress_callback);
    FIELD(llama_model_params, progress_callback_user_data);
    FIELD(llama_model_params, kv_overrides);
    FIELD(llama_model_params, vocab_only);
    FIELD(llama_model_params, check_tensors);
    FIELD(llama_model_params, use_extra_bufts);
    FIELD(llama_model_params, no_host);
    FIELD(llama_model_params, no_alloc);
    FIELD(llama_model_params, load_mtp);

    SIZE(llama_context_params);
    FIELD(llama_context_params, n_ctx);
    FIELD(llama_context_params, n_batch);
    FIELD(llama_context_params, n_ubatch);
    FIELD(llama_context_params, n_seq_max);
    FIELD(llama_context_params, n_rs_seq);
    FIELD(llama_context_params, n_outputs_max);
    FIELD(llama_context_params, n_outputs_max_per_seq);
    FIELD(llama_context_params, n_threads);
    FIELD(llama_context_params, n_threads_batch);
    FIELD(llama_context_params, ctx_type);
    FIELD(llama_context_params, rope_scaling_type);
    FIELD(llama_context_params, pooling_type);
    FIELD(llama_context_params, attention_type);
    FIELD(llama_context_params, flash_attn_type);
    FIELD(llama_context_params, rope_freq_base);
    FIELD(llama_context_params, rope_freq_scale);
    FIELD(llama_context_params, yarn_ext_factor);
    FIELD(llama_context_params, yarn_attn_factor);
    FIELD(llama_context_params, yarn_beta_fast);
    FIELD(llama_context_params, yarn_beta_slow);
    FIELD(llama_context_params, yarn_orig_ctx);
    FIELD(llama_context_params, defrag_thold);
    FIELD(llama_context_params, cb_eval);
    FIELD(llama_context_params, cb_eval_user_data);
    FIELD(llama_context_params, type_k);
    FIELD(llama_context_params, type_v);
    FIELD(llama_context_params, abort_callback);
    FIELD(llama_context_params, abort_callback_data);
    FIELD(llama_context_params, embeddings);
    FIELD(llama_context_params, offload_kqv);
    FIELD(llama_context_params, no_perf);
    FIELD(llama_context_params, op_offload);
    FIELD(llama_context_params, swa_full);
    FIELD(llama_context_params, kv_unified);
    FIELD(llama_context_params, samplers);
    FIELD(llama_context_params, n_samplers);
    FIELD(llama_context_params, ctx_other);

    SIZE(llama_batch);
    FIELD(llama_batch, n_tokens);
    FIELD(llama_batch, token);
    FIELD(llama_batch, embd);
    FIELD(llama_batch, pos);
    FIELD(llama_batch, n_seq_id);
    FIELD(llama_batch, seq_id);
    FIELD(llama_batch, logits);

    SIZE(llama_token_data);
    FIELD(llama_token_data, id);
    FIELD(llama_token_data, logit);
    FIELD(llama_token_data, p);

    SIZE(llama_token_data_array);
    FIELD(llama_token_data_array, data);
    FIELD(llama_token_data_array, size);
    FIELD(llama_token_data_array, selected);
    FIELD(llama_token_data_array, sorted);

    SIZE(llama_logit_bias);
    FIELD(llama_logit_bias, token);
    FIELD(llama_logit_bias, bias);

    SIZE(llama_sampler_chain_params);
    FIELD(llama_sampler_chain_params, no_perf);

    SIZE(ggml_threadpool_params);
    FIELD(ggml_threadpool_params, cpumask);
    FIELD(ggml_threadpool_params, n_threads);
    FIELD(ggml_threadpool_params, prio);
    FIELD(ggml_threadpool_params, poll);
    FIELD(ggml_threadpool_params, strict_cpu);
    FIELD(ggml_threadpool_params, paused);

    SIZE(llama_chat_message);
    FIELD(llama_chat_message, role);
    FIELD(llama_chat_message, content);
    return 0;
}
