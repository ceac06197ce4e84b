//! The binary shard format: tokenized tasks with their decompositions, so that training
//! streams data without parsing JSON or re-running programs.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! header   "EXDS"  u16 version (=1)  u8 dsl  u8 split  u8 part  3 × u8 0  u32 num_tasks
//! records  num_tasks × ( u32 byte_length, record )
//! trailer  "EXDE"  u32 crc32 of every byte before the trailer
//!
//! record   u8 E (examples)  u8 S (steps)
//!          seq16 program
//!          E × seq8 input   E × seq8 output
//!          S × ( E × seq8 step_input  E × seq8 step_output  E × seq8 subgoal  seq16 step )
//! seq8     u16 n, n × u8 token     (I/O vocabularies have at most 256 tokens)
//! seq16    u16 n, n × u16 token    (program vocabularies)
//! ```
//!
//! dsl: 0 RobustFill, 1 DeepCoder; split: 0..5 in the official `Experiment` order; part:
//! 0 train, 1 valid, 2 test. A shard is written to a temporary name and renamed when
//! complete, and the reader checks the magic, version, lengths and checksum, so a truncated
//! or corrupted shard is reported, never silently used.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::encode::{EncodedStep, EncodedTask};
use crate::domain::Dsl;
use crate::splits::{Part, Split};
use crate::vocab::Token;

const MAGIC: &[u8; 4] = b"EXDS";
const TRAILER: &[u8; 4] = b"EXDE";
pub const VERSION: u16 = 1;
const HEADER_LEN: usize = 16;
const TRAILER_LEN: usize = 8;

/// What a shard holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardHeader {
    pub dsl: Dsl,
    pub split: Split,
    pub part: Part,
    pub num_tasks: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("shard I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a shard file (bad magic)")]
    BadMagic,
    #[error("shard format version {0} is not supported (expected {VERSION})")]
    Version(u16),
    #[error("shard is truncated")]
    Truncated,
    #[error("shard checksum mismatch: the file is corrupted")]
    Checksum,
    #[error("malformed shard: {0}")]
    Malformed(&'static str),
}

fn dsl_code(d: Dsl) -> u8 {
    match d {
        Dsl::RobustFill => 0,
        Dsl::DeepCoder => 1,
    }
}

fn part_code(p: Part) -> u8 {
    match p {
        Part::Train => 0,
        Part::Valid => 1,
        Part::Test => 2,
    }
}

fn put_seq8(out: &mut Vec<u8>, s: &[Token]) -> Result<(), ShardError> {
    let n = u16::try_from(s.len()).map_err(|_| ShardError::Malformed("sequence too long"))?;
    out.extend_from_slice(&n.to_le_bytes());
    for &t in s {
        out.push(u8::try_from(t).map_err(|_| ShardError::Malformed("I/O token above 255"))?);
    }
    Ok(())
}

fn put_seq16(out: &mut Vec<u8>, s: &[Token]) -> Result<(), ShardError> {
    let n = u16::try_from(s.len()).map_err(|_| ShardError::Malformed("sequence too long"))?;
    out.extend_from_slice(&n.to_le_bytes());
    for &t in s {
        out.extend_from_slice(&t.to_le_bytes());
    }
    Ok(())
}

fn encode_record(t: &EncodedTask, out: &mut Vec<u8>) -> Result<(), ShardError> {
    let e = u8::try_from(t.inputs.len()).map_err(|_| ShardError::Malformed("too many examples"))?;
    let s = u8::try_from(t.steps.len()).map_err(|_| ShardError::Malformed("too many steps"))?;
    out.push(e);
    out.push(s);
    put_seq16(out, &t.program)?;
    for x in t.inputs.iter().chain(&t.outputs) {
        put_seq8(out, x)?;
    }
    for st in &t.steps {
        for x in st.inputs.iter().chain(&st.outputs).chain(&st.subgoal) {
            put_seq8(out, x)?;
        }
        put_seq16(out, &st.step)?;
    }
    Ok(())
}

/// Serializes a shard into bytes.
pub fn shard_bytes(header: ShardHeader, tasks: &[EncodedTask]) -> Result<Vec<u8>, ShardError> {
    let mut out = Vec::with_capacity(HEADER_LEN + tasks.len() * 512);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&[dsl_code(header.dsl), header.split as u8, part_code(header.part), 0, 0, 0]);
    out.extend_from_slice(&(tasks.len() as u32).to_le_bytes());
    let mut record = Vec::new();
    for t in tasks {
        record.clear();
        encode_record(t, &mut record)?;
        out.extend_from_slice(&(record.len() as u32).to_le_bytes());
        out.extend_from_slice(&record);
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(TRAILER);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Writes a shard atomically: to `<path>.tmp`, synced, then renamed to `path`.
pub fn write_shard(path: &Path, header: ShardHeader, tasks: &[EncodedTask]) -> Result<(), ShardError> {
    let bytes = shard_bytes(header, tasks)?;
    write_atomic(path, &bytes)?;
    Ok(())
}

/// Writes a file atomically (temporary file, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("{}.tmp", path.extension().and_then(|e| e.to_str()).unwrap_or_default()));
    {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)
}

/// A shard read into memory and verified.
pub struct Shard {
    pub header: ShardHeader,
    bytes: Vec<u8>,
}

/// Reads and verifies a shard file.
pub fn read_shard(path: &Path) -> Result<Shard, ShardError> {
    Shard::from_bytes(fs::read(path)?)
}

impl Shard {
    /// Verifies the header, the trailer and the checksum of shard bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Shard, ShardError> {
        if bytes.len() < 4 || &bytes[..4] != MAGIC {
            return Err(if bytes.len() < 4 { ShardError::Truncated } else { ShardError::BadMagic });
        }
        if bytes.len() < HEADER_LEN + TRAILER_LEN {
            return Err(ShardError::Truncated);
        }
        let version = u16::from_le_bytes([bytes[4], bytes[5]]);
        if version != VERSION {
            return Err(ShardError::Version(version));
        }
        let body_end = bytes.len() - TRAILER_LEN;
        if &bytes[body_end..body_end + 4] != TRAILER {
            return Err(ShardError::Truncated);
        }
        let crc =
            u32::from_le_bytes([bytes[body_end + 4], bytes[body_end + 5], bytes[body_end + 6], bytes[body_end + 7]]);
        if crc32fast::hash(&bytes[..body_end]) != crc {
            return Err(ShardError::Checksum);
        }
        let dsl = match bytes[6] {
            0 => Dsl::RobustFill,
            1 => Dsl::DeepCoder,
            _ => return Err(ShardError::Malformed("unknown DSL code")),
        };
        let split = *Split::ALL.get(bytes[7] as usize).ok_or(ShardError::Malformed("unknown split code"))?;
        let part = match bytes[8] {
            0 => Part::Train,
            1 => Part::Valid,
            2 => Part::Test,
            _ => return Err(ShardError::Malformed("unknown part code")),
        };
        let num_tasks = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
        Ok(Shard { header: ShardHeader { dsl, split, part, num_tasks }, bytes })
    }

    /// The tasks, decoded one at a time.
    pub fn tasks(&self) -> ShardTasks<'_> {
        ShardTasks {
            cursor: Cursor { b: &self.bytes[..self.bytes.len() - TRAILER_LEN], i: HEADER_LEN },
            left: self.header.num_tasks,
        }
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ShardError> {
        let end = self
            .i
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or(ShardError::Malformed("record overruns the shard"))?;
        let s = &self.b[self.i..end];
        self.i = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, ShardError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, ShardError> {
        let s = self.take(2)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    fn u32(&mut self) -> Result<u32, ShardError> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn seq8(&mut self) -> Result<Vec<Token>, ShardError> {
        let n = self.u16()? as usize;
        Ok(self.take(n)?.iter().map(|&b| Token::from(b)).collect())
    }
    fn seq16(&mut self) -> Result<Vec<Token>, ShardError> {
        let n = self.u16()? as usize;
        Ok(self.take(2 * n)?.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect())
    }
    fn seqs8(&mut self, n: usize) -> Result<Vec<Vec<Token>>, ShardError> {
        (0..n).map(|_| self.seq8()).collect()
    }
}

/// Iterator over the tasks of a shard.
pub struct ShardTasks<'a> {
    cursor: Cursor<'a>,
    left: u32,
}

impl Iterator for ShardTasks<'_> {
    type Item = Result<EncodedTask, ShardError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(self.read_one())
    }
}

impl ShardTasks<'_> {
    fn read_one(&mut self) -> Result<EncodedTask, ShardError> {
        let len = self.cursor.u32()? as usize;
        let start = self.cursor.i;
        let c = &mut self.cursor;
        let e = c.u8()? as usize;
        let s = c.u8()? as usize;
        let program = c.seq16()?;
        let inputs = c.seqs8(e)?;
        let outputs = c.seqs8(e)?;
        let mut steps = Vec::with_capacity(s);
        for _ in 0..s {
            let inputs = c.seqs8(e)?;
            let outputs = c.seqs8(e)?;
            let subgoal = c.seqs8(e)?;
            let step = c.seq16()?;
            steps.push(EncodedStep { inputs, outputs, subgoal, step });
        }
        if c.i - start != len {
            return Err(ShardError::Malformed("record length mismatch"));
        }
        Ok(EncodedTask { inputs, outputs, program, steps })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<EncodedTask> {
        vec![
            EncodedTask {
                inputs: vec![vec![3, 4], vec![5]],
                outputs: vec![vec![6], vec![7, 8]],
                program: vec![300, 4, 2],
                steps: vec![EncodedStep {
                    inputs: vec![vec![3, 4], vec![5]],
                    outputs: vec![vec![6], vec![7, 8]],
                    subgoal: vec![vec![6], vec![7]],
                    step: vec![300],
                }],
            },
            EncodedTask::default(),
        ]
    }

    fn header() -> ShardHeader {
        ShardHeader { dsl: Dsl::RobustFill, split: Split::ComposeNewOp, part: Part::Valid, num_tasks: 2 }
    }

    #[test]
    fn round_trip() {
        let bytes = shard_bytes(header(), &sample()).unwrap();
        let shard = Shard::from_bytes(bytes).unwrap();
        assert_eq!(shard.header, header());
        let tasks: Vec<_> = shard.tasks().collect::<Result<_, _>>().unwrap();
        assert_eq!(tasks, sample());
    }

    #[test]
    fn damage_is_detected() {
        let bytes = shard_bytes(header(), &sample()).unwrap();
        for cut in [0, 3, 10, bytes.len() / 2, bytes.len() - 1] {
            assert!(Shard::from_bytes(bytes[..cut].to_vec()).is_err(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        assert!(matches!(Shard::from_bytes(flipped), Err(ShardError::Checksum)));
        let mut other = bytes.clone();
        other[4] = 9;
        assert!(matches!(Shard::from_bytes(other), Err(ShardError::Version(9))));
        assert!(matches!(Shard::from_bytes(b"NOPE and more bytes here".to_vec()), Err(ShardError::BadMagic)));
    }

    #[test]
    fn io_tokens_must_fit_a_byte() {
        let mut t = sample();
        t[0].inputs[0][0] = 300;
        assert!(shard_bytes(header(), &t).is_err());
    }
}
