package org.sparsa.grpo.internal.rl;

import java.util.Arrays;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.reward.Completion;
import org.sparsa.api.reward.Judgement;
import org.sparsa.api.reward.JudgeFunction;
import org.sparsa.api.reward.RubricItem;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.model.Generator;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.Sampler;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * The model judge: a language model of the framework reads the rubric item and the completion
 * through the {@link JudgeTemplate}, answers greedily with the KV cache in at most
 * {@code max_new_tokens} tokens (cut at its end of sequence), and {@link JudgeScoreParser}
 * reads the score out of the answer. The prompt is tokenised as the built-in stages do (the
 * text alone), so a judge fine-tuned by {@code sft} on filled templates answers as it learned.
 *
 * <p>A prompt too long for the judge's {@code max_seq} together with {@code max_new_tokens} is
 * judged unparsed (and so counted), not cut: a judge that sees half a completion would score
 * something else. Greedy decoding makes the same item and completion always get the same
 * verdict. The model is only ever run without a graph, and never trained. Judgements are
 * serialised: a model runs one forward pass at a time, and a rubric reward called from several
 * threads must not interleave two.
 */
final class ModelJudge implements JudgeFunction {
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ModelJudgeConfig config;
    private final JudgeScoreParser parser;

    /** A judge of {@code model}, whose vocabulary comes from {@code tokenizer}. */
    ModelJudge(LlamaModel model, Tokenizer tokenizer, ModelJudgeConfig config) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.config = config;
        this.parser = new JudgeScoreParser(config.scale());
    }

    @Override
    public synchronized Judgement judge(RubricItem item, Completion completion) {
        String prompt = config.template().fill(item.criterion(), completion.prompt(),
                completion.text(), config.scale());
        String answer = answer(prompt);
        return answer == null ? Judgement.unparsed("the judge's prompt of "
                + tokenizer.encode(prompt).length + " tokens and max_new_tokens "
                + config.maxNewTokens() + " exceed the judge model's max_seq "
                + model.config().maxSequence()) : parser.parse(answer);
    }

    /** The judge's model. */
    LlamaModel model() {
        return model;
    }

    /** The judge's greedy answer to {@code prompt}, or null when it does not fit max_seq. */
    String answer(String prompt) {
        int[] tokens = tokenizer.encode(prompt);
        if (tokens.length == 0) {
            tokens = new int[] {tokenizer.bosId()};
        }
        int width = config.maxNewTokens();
        if (tokens.length + width > model.config().maxSequence()) {
            return null;
        }
        int[] generated;
        try (GradScope noGraph = model.parameters().autograd().noGrad()) {
            // Greedy decoding never draws; the generator still asks for a source.
            generated = new Generator(model).generate(IntTensor.of(tokens, 1, tokens.length),
                    width, Sampler.greedy(), SplitMix64.seeded(0), null).tokens().toArray();
        }
        int end = tokens.length;
        while (end < generated.length && generated[end] != tokenizer.eosId()) {
            end++;
        }
        return tokenizer.decode(Arrays.copyOfRange(generated, tokens.length, end));
    }
}
