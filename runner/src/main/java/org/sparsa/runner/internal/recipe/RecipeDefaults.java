package org.sparsa.runner.internal.recipe;

/**
 * Every default a recipe gets for a key it leaves out, in one place; {@code docs/recipes.md}
 * lists the same values. Keys without a constant here are required or derived from others
 * (noted beside them).
 */
public final class RecipeDefaults {
    /** {@code seed}. */
    public static final long SEED = 0;
    /** {@code backend}: a GPU when there is one. */
    public static final String BACKEND = "auto";
    /** {@code resume}: a run folder is never reused unless asked. */
    public static final String RESUME = "never";
    /** {@code output.dir} when absent: {@code runs/NAME-yyyyMMdd-HHmmss}. */
    public static final String RUNS_FOLDER = "runs";

    /** {@code model.tokenizer}. */
    public static final String TOKENIZER = "byte";
    // model.kv_heads defaults to heads, model.head_dim to dim / heads,
    // model.ffn_hidden to FFN_MULTIPLE * dim.
    /** {@code model.ffn_hidden} is this many times {@code dim} when absent. */
    public static final int FFN_MULTIPLE = 4;
    /** {@code model.norm_eps}, as in the Llama layout. */
    public static final double NORM_EPS = 1e-6;
    /** {@code model.rope_theta}. */
    public static final double ROPE_THETA = 10_000.0;
    /** {@code model.tie_embeddings}. */
    public static final boolean TIE_EMBEDDINGS = false;
    /** {@code model.max_seq}, as the model's own default. */
    public static final int MAX_SEQ = 2048;
    /** {@code model.attention.id}. */
    public static final String ATTENTION = "full";
    /** {@code model.moe.top_k}. */
    public static final int MOE_TOP_K = 2;
    /** {@code model.moe.shared_expert}. */
    public static final boolean MOE_SHARED_EXPERT = false;
    // model.moe.expert_hidden defaults to ffn_hidden, model.moe.layers to every layer.

    // stages[i].name defaults to the kind, suffixed with the index when the kind repeats;
    // stages[i].seq_len defaults to model.max_seq.
    /** {@code stages[i].batch}. */
    public static final int BATCH = 16;
    /** {@code stages[i].lr}. */
    public static final double LR = 3e-4;
    /** {@code stages[i].schedule.kind}. */
    public static final String SCHEDULE = "constant";
    /** {@code stages[i].schedule.warmup}. */
    public static final long WARMUP = 0;
    /** {@code stages[i].schedule.min_lr}. */
    public static final double MIN_LR = 0.0;
    /** {@code stages[i].weight_decay}. */
    public static final double WEIGHT_DECAY = 0.0;
    /** {@code stages[i].grad_clip}. */
    public static final double GRAD_CLIP = 1.0;
    /** {@code stages[i].accumulate}. */
    public static final int ACCUMULATE = 1;
    /** {@code stages[i].lm_loss_weight} and {@code stages[i].aux_loss_weight}. */
    public static final double LOSS_WEIGHT = 1.0;
    /** {@code stages[i].attention_mode}. */
    public static final String ATTENTION_MODE = "default";
    /** {@code stages[i].eval_every}: at the end of the stage only. */
    public static final long EVAL_EVERY = 0;
    /** {@code stages[i].checkpoint_every}: at the end of the stage only. */
    public static final long CHECKPOINT_EVERY = 0;
    /** {@code stages[i].max_nonfinite_steps}: skipped steps in a row before a stage stops. */
    public static final int MAX_NONFINITE_STEPS = 5;
    /**
     * {@code stages[i].step_timeout}: seconds one step may take; generous, since it is there to
     * end a plugin that hangs, not to police slow steps.
     */
    public static final long STEP_TIMEOUT = 1800;

    private RecipeDefaults() {
    }
}
