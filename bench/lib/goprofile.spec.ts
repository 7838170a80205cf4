import { describeDatabaseProfile, parsePprofTop } from './goprofile';

/** `go tool pprof -top -cum` output, cut down to the rows the summary reads and a few others. */
const TOP = `File: ferretdb
Type: cpu
Duration: 15.02s, Total samples = 4.39s (29.23%)
Showing nodes accounting for 4.39s, 100% of 4.39s total
      flat  flat%   sum%        cum   cum%
         0     0%     0%      3.57s 81.32%  github.com/FerretDB/FerretDB/internal/clientconn.(*conn).run
         0     0%  0.46%      1.24s 28.25%  github.com/FerretDB/FerretDB/internal/handler.(*Handler).MsgFind
         0     0%  0.46%      1.17s 26.65%  github.com/FerretDB/FerretDB/internal/handler.(*Handler).MsgFindAndModify
         0     0%  0.46%      1.01s 23.01%  github.com/FerretDB/FerretDB/internal/handler/sjson.Unmarshal
         0     0%  0.68%      0.77s 17.54%  modernc.org/sqlite/lib.Xsqlite3_step
         0     0%  1.59%      0.65s 14.81%  github.com/FerretDB/FerretDB/internal/handler.(*Handler).MsgUpdate
         0     0%  2.51%      0.43s  9.79%  runtime.gcBgMarkWorker
         0     0% 18.22%      0.22s  5.01%  modernc.org/sqlite/lib.Xsqlite3_prepare_v2 (inline)
         0     0% 20.27%      160ms  3.64%  github.com/FerretDB/FerretDB/internal/handler.(*Handler).MsgInsert
         0     0% 35.54%      0.10s  2.28%  github.com/FerretDB/FerretDB/internal/handler/sjson.Marshal
     0.01s  0.23% 36.45%      0.01s  0.23%  github.com/FerretDB/FerretDB/internal/handler/sjson.unmarshalSingleValue
`;

describe('FerretDB CPU profile summary', () => {
  const profile = parsePprofTop(TOP, 'bench/results/profiles/x/ferretdb.pprof');

  it('reads the CPU time profiled as a share of one core over the duration', () => {
    expect(profile.durationMs).toBe(15_020);
    expect(profile.busyPercent).toBe(29);
  });

  it('gives each command handler its share, callees included, largest first, named as on the wire', () => {
    expect(profile.byCommand).toEqual([
      { name: 'find', percent: 28.2 },
      { name: 'findAndModify', percent: 26.7 },
      { name: 'update', percent: 14.8 },
      { name: 'insert', percent: 3.6 },
    ]);
  });

  it('names what runs inside the commands, and leaves out what the profile does not hold', () => {
    expect(profile.inside).toEqual([
      { name: 'decoding stored documents (sjson.Unmarshal)', percent: 23 },
      { name: 'encoding documents to store (sjson.Marshal)', percent: 2.3 },
      { name: 'SQLite statements (sqlite3_step)', percent: 17.5 },
      { name: 'SQLite statement preparation', percent: 5 },
      { name: 'garbage collection', percent: 9.8 },
    ]);
  });

  it('reads as one line for the README', () => {
    expect(describeDatabaseProfile(profile)).toBe(
      'busy 29 % of a core; by command: find 28.2 %, findAndModify 26.7 %, update 14.8 %, insert 3.6 %; inside them: decoding stored documents (sjson.Unmarshal) 23 %, encoding documents to store (sjson.Marshal) 2.3 %, SQLite statements (sqlite3_step) 17.5 %, SQLite statement preparation 5 %, garbage collection 9.8 %',
    );
  });

  it('refuses output without the header it needs', () => {
    expect(() => parsePprofTop('nothing here', 'f')).toThrow(/Duration/);
  });
});
