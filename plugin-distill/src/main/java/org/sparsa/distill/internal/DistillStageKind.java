package org.sparsa.distill.internal;

import org.osgi.service.component.annotations.Component;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginInfo;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.stage.Stage;
import org.sparsa.api.stage.StageKind;

/**
 * {@code distill}: trains the run's model (the student) from teachers that earlier stages or
 * other runs trained, each on its task with a mixing weight: in {@code logits} mode by the KL
 * between their next-token distributions (forward or reverse, with a temperature), in
 * {@code sequences} mode by SFT on the teachers' completions that pass a reward. The student
 * may run another attention and size than its teachers.
 */
@Component(service = StageKind.class)
@PluginInfo(kind = PluginKind.STAGE, id = "distill",
        description = "Distils teachers (specialists, a larger model) into the run's model by"
                + " logit KL or SFT on their reward-filtered completions",
        config = {
            "mode:string=logits - logits (KL to the teachers' next-token distributions) or"
                    + " sequences (SFT on the teachers' completions that pass the reward)",
            "teachers:list - the teachers: each {stage, run (a run folder; omit for this run),"
                    + " task: {id, config} (default: the stage's task), weight (default 1)}",
            "kl:string=forward - logits mode: forward KL(teacher||student) or reverse"
                    + " KL(student||teacher)",
            "temperature:double=1.0 - logits mode: both distributions are softmax(logits / T);"
                    + " the loss is T^2 KL",
            "positions:string=all - logits mode: all (every position of the documents) or"
                    + " answer (only those that predict the answer and end of sequence)",
            "prompts:int=64 - sequences mode: prompts drawn from each teacher's task",
            "samples:int=4 - sequences mode: completions each teacher writes per prompt",
            "sample_temperature:double=1.0 - sequences mode: the teachers' sampling"
                    + " temperature, 0 for greedy",
            "completion_tokens:int=0 - sequences mode: the longest completion (0: the longest"
                    + " evaluation reference's plus two)",
            "reward:map - sequences mode: {id, config} of the reward that filters the"
                    + " completions (rejection sampling); absent: every finished one is kept",
            "min_reward:double=1.0 - sequences mode: the reward a completion needs to be kept",
            "require_correct:boolean=false - sequences mode: keep only completions the task's"
                    + " own exact match judges correct (with or without a reward)",
            "eval_examples:int=128 - examples of each teacher's task scored at each evaluation"
                    + " (0: all)",
            "max_new_tokens:int=0 - tokens generated per evaluation answer (0: the longest"
                    + " reference's plus two)",
            "score_table:boolean=true - at the end, score every teacher and the student on"
                    + " every teacher's task as score/{model}/{task}/{metric}"})
public final class DistillStageKind implements StageKind {

    @Override
    public Stage create(PluginConfig config) {
        return new DistillStage(DistillConfig.read(config));
    }
}
