/* rm_filter_eval (shm/filter.h): the evaluator of shm/filter_eval.h, out
 * of line, for the consumer, the tests and the fuzz harness. */
#include "shm/filter_eval.h"

int rm_filter_eval(const struct rm_filter_prog *p, const struct rm_filter_env *env,
		   uint32_t *steps)
{
	return rm_filter_run(p, env, steps);
}
