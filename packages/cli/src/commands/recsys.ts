import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { consoleProgress, evaluateSequences, predictBaskets, predictSequences } from '@aisle/recsys';
import { type Command, parsing, UsageError } from '../command';

const help = `Usage: aisle recsys <predict|eval> --data <file> --format seq|nbr [options]

  predict --data FILE --format seq --k 20 --out PREDS.jsonl [--model-dir DIR]
          Trains on every user's sequence without its last item, exports the ONNX model,
          scores every user through the serving module (onnxruntime-node) and writes one line
          per user: {"user":"<id>","items":[<k item ids, best first>]}, never an item already
          in that user's training sequence.
  predict --data HISTORY.json --format nbr --k 10 --out PREDS.json
          Next-basket: trains on the history file alone and writes {"<uid>": [<k item ids>]},
          ranked by the exported ONNX graph in onnxruntime-node.
  eval    --data FILE --format seq [--model-dir DIR]
          The same run, scored against each user's last item: HR, NDCG, MRR, recall and
          precision at 10 and 20, as a table and a JSON line.

Formats: seq = "user item item …" per line, items in time order;
         nbr = {"uid": [[-1], basket, …, [-1]]} ([-1] entries are padding).
Progress and the time of each stage go to stderr; results to stdout or --out.
Not yet here: eval --format nbr, --format events and \`train\` (see issue #4).`;

export const recsys: Command = {
  name: 'recsys',
  summary: 'train, evaluate and predict with the recommendation models',
  help,
  async run(args) {
    const { values, positionals } = parsing('recsys', () =>
      parseArgs({
        args,
        options: {
          data: { type: 'string' },
          format: { type: 'string' },
          k: { type: 'string' },
          out: { type: 'string' },
          'model-dir': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: true,
        strict: true,
      }),
    );
    if (values.help) {
      console.log(help);
      return 0;
    }
    const [action, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`, 'recsys');
    if (action !== 'predict' && action !== 'eval')
      throw new UsageError(action ? `unknown action '${action}'` : 'an action is required (predict, eval)', 'recsys');
    if (!values.data) throw new UsageError('--data <file> is required', 'recsys');
    const format = values.format;
    if (format !== 'seq' && !(format === 'nbr' && action === 'predict'))
      throw new UsageError(`--format ${format ?? '(missing)'} is not supported for ${action} yet`, 'recsys');
    const progress = consoleProgress();
    const common = {
      data: resolve(values.data),
      progress,
      ...(values['model-dir'] && { modelDir: resolve(values['model-dir']) }),
    };
    const started = performance.now();

    if (action === 'predict') {
      const k = Number(values.k ?? 20);
      if (!Number.isInteger(k) || k < 1)
        throw new UsageError(`--k must be a positive whole number, got '${values.k}'`, 'recsys');
      if (!values.out) throw new UsageError('--out <file> is required', 'recsys');
      if (format === 'nbr') {
        const { users } = await predictBaskets({ ...common, k, out: resolve(values.out) });
        console.error(`total                  ${((performance.now() - started) / 1000).toFixed(2)} s`);
        console.log(`wrote top-${k} baskets for ${users} users to ${values.out}`);
        return 0;
      }
      const { users, card } = await predictSequences({ ...common, k, out: resolve(values.out) });
      console.error(`total                  ${((performance.now() - started) / 1000).toFixed(2)} s`);
      console.log(`wrote top-${k} lists for ${users} users to ${values.out} (model ${card.kind} ${card.version})`);
      return 0;
    }

    const metrics = await evaluateSequences(common);
    console.error(`total                  ${((performance.now() - started) / 1000).toFixed(2)} s`);
    for (const [name, value] of Object.entries(metrics))
      console.log(`${name.padEnd(16)} ${Number.isInteger(value) ? value : value.toFixed(4)}`);
    console.log(JSON.stringify(metrics));
    return 0;
  },
};
