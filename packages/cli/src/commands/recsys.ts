import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  consoleProgress,
  DATA_FORMATS,
  type DataFormat,
  DEFAULT_BASKET_MODEL,
  DEFAULT_SEQUENCE_MODEL,
  evaluateBaskets,
  evaluateSequences,
  MODEL_CHOICES,
  predictBaskets,
  predictSequences,
  trainFromFile,
} from '@aisle/recsys';
import { type Command, parsing, UsageError } from '../command';

const help = `Usage: aisle recsys <train|predict|eval> --data <file> --format seq|nbr|events [options]

  train   --data FILE --format seq|nbr|events --out DIR [--model M] [--catalog ITEMS.jsonl]
          Holds out each shopper's last item (seq, events) or basket (nbr) for validation,
          trains, tunes the hybrid's blend there, measures, then trains on everything and
          writes DIR/model.onnx and DIR/model.json (the model card: version, data stats,
          parameters, validation metrics, signature, sha256).
  predict --data FILE --format seq --k 20 --out PREDS.jsonl [--model M] [--model-dir DIR]
          Trains on every user's sequence without its last item, exports the ONNX model,
          scores every user through the serving module (onnxruntime-node) and writes one line
          per user: {"user":"<id>","items":[<k item ids, best first>]}, never an item already
          in that user's training sequence.
  predict --data HISTORY.json --format nbr --k 10 --out PREDS.json [--model M] [--model-dir DIR]
          Next-basket: trains on the history file alone and writes {"<uid>": [<k item ids>]},
          ranked through the serving module; repeat purchases are allowed.
  eval    --data FILE --format seq [--model M] [--model-dir DIR]
          The predict run, scored against each user's last item: HR, NDCG, MRR, recall and
          precision at 10 and 20, as a table and a JSON line.
  eval    --data HISTORY.json --format nbr [--future FUTURE.json] [--model M]
          Scored against the future file's basket per user, or without it against each
          user's last history basket (trained on the ones before).

Models (--model): ${MODEL_CHOICES.join(', ')}; default ${DEFAULT_SEQUENCE_MODEL}
         (next-basket = TIFU-KNN, basket data only; default for nbr: ${DEFAULT_BASKET_MODEL}).
Catalogue (--catalog): JSONL {"id", "text"?, "attributes"?: {name: value}} per item; enables the
         content model (new items and new shoppers get sensible results) and adds it to the hybrid.
Formats: seq    = "user item item …" per line, items in time order;
         nbr    = {"uid": [[-1], basket, …, [-1]]} ([-1] entries are padding);
         events = JSONL event log {"customerId"|"shopperId", "itemId", "type", "ts", "weight"?}.
Progress and the time of each stage go to stderr; results to stdout or --out.`;

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(2)} s`;

function printMetrics(metrics: Record<string, number>): void {
  for (const [name, value] of Object.entries(metrics))
    console.log(`${name.padEnd(24)} ${Number.isInteger(value) ? value : value.toFixed(4)}`);
  console.log(JSON.stringify(metrics));
}

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
          model: { type: 'string' },
          catalog: { type: 'string' },
          future: { type: 'string' },
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
    if (action !== 'predict' && action !== 'eval' && action !== 'train')
      throw new UsageError(
        action ? `unknown action '${action}'` : 'an action is required (train, predict, eval)',
        'recsys',
      );
    if (!values.data) throw new UsageError('--data <file> is required', 'recsys');
    const format = values.format as DataFormat | undefined;
    if (!format || !DATA_FORMATS.includes(format))
      throw new UsageError(
        `--format ${values.format ?? '(missing)'}: expected one of ${DATA_FORMATS.join(', ')}`,
        'recsys',
      );
    const supported = action === 'train' || format === 'seq' || format === 'nbr';
    if (!supported) throw new UsageError(`--format ${format} is not supported for ${action}`, 'recsys');
    if (values.model !== undefined && !MODEL_CHOICES.includes(values.model))
      throw new UsageError(`--model must be one of ${MODEL_CHOICES.join(', ')}, got '${values.model}'`, 'recsys');
    const progress = consoleProgress();
    const common = {
      data: resolve(values.data),
      progress,
      ...(values['model-dir'] && { modelDir: resolve(values['model-dir']) }),
      ...(values.model && { model: values.model }),
    };
    const started = performance.now();

    if (action === 'train') {
      if (!values.out) throw new UsageError('--out <dir> is required', 'recsys');
      const { card, metrics, weights } = await trainFromFile({
        data: common.data,
        format,
        model: values.model ?? DEFAULT_SEQUENCE_MODEL,
        out: resolve(values.out),
        progress,
        ...(values.catalog && { catalog: resolve(values.catalog) }),
      });
      console.error(`total                  ${seconds(started)}`);
      console.log(
        `wrote ${card.kind} ${card.version} to ${values.out} (${card.items.length} items, sha256 ${card.sha256.slice(0, 12)}…)`,
      );
      if (weights) console.log(`blend weights: ${JSON.stringify(weights)}`);
      printMetrics(metrics);
      return 0;
    }

    if (action === 'predict') {
      const k = Number(values.k ?? 20);
      if (!Number.isInteger(k) || k < 1)
        throw new UsageError(`--k must be a positive whole number, got '${values.k}'`, 'recsys');
      if (!values.out) throw new UsageError('--out <file> is required', 'recsys');
      if (format === 'nbr') {
        const { users } = await predictBaskets({ ...common, k, out: resolve(values.out) });
        console.error(`total                  ${seconds(started)}`);
        console.log(`wrote top-${k} baskets for ${users} users to ${values.out}`);
        return 0;
      }
      const { users, card } = await predictSequences({ ...common, k, out: resolve(values.out) });
      console.error(`total                  ${seconds(started)}`);
      console.log(`wrote top-${k} lists for ${users} users to ${values.out} (model ${card.kind} ${card.version})`);
      return 0;
    }

    const metrics =
      format === 'nbr'
        ? await evaluateBaskets({ ...common, ...(values.future && { future: resolve(values.future) }) })
        : await evaluateSequences(common);
    console.error(`total                  ${seconds(started)}`);
    printMetrics(metrics);
    return 0;
  },
};
