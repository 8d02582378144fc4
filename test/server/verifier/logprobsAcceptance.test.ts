import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { acceptDraftText, acceptDraftTokenIds, topAlternative } from "../../../server/verifier/logprobsAcceptance.js";
import { VerifierResponseError } from "../../../server/verifier/verifierResponseError.js";
import { textLogprobs, tokenIdLogprobs, toyContinuation, toyNext } from "../../helpers/completionFixtures.js";

const prompt = [5, 17, 42];
const greedy = toyContinuation(prompt, 4);

describe("token ids mode", () => {
  test("all drafted tokens accepted: the bonus is the token generated after the echo", () => {
    const logprobs = tokenIdLogprobs([...prompt, ...greedy]);
    const result = acceptDraftTokenIds({ prompt, draft: greedy, logprobs });
    assert.equal(result.accepted, 4);
    assert.equal(result.nextTokenSource, "bonus");
    assert.deepEqual(result.nextToken, { id: toyNext(greedy), text: undefined });
  });

  test("the bonus text is cut from the choice text when the echoed text is known", () => {
    const logprobs = tokenIdLogprobs([...prompt, ...greedy]);
    const result = acceptDraftTokenIds({ prompt, draft: greedy, logprobs, choiceText: "def f(x): return", echoedText: "def f(x):" });
    assert.deepEqual(result.nextToken, { id: toyNext(greedy), text: " return" });
  });

  test("the bonus text is cut by text_offset when the server counts the text, not the token_id labels", () => {
    const logprobs = tokenIdLogprobs([...prompt, ...greedy]);
    logprobs.text_offset = [0, 3, 4, 6, 9, 10, 12, 13]; // "abcdefghijklm" + "🙂x" as a server counting code points says
    const result = acceptDraftTokenIds({ prompt, draft: greedy, logprobs, choiceText: "abcdefghijklm🙂x" });
    assert.deepEqual(result.nextToken, { id: toyNext(greedy), text: "🙂x" });
  });

  test("a rejection in the middle keeps the prefix and returns the verifier's top-1 as the correction", () => {
    const draft = [greedy[0], greedy[1], 99, 98];
    const result = acceptDraftTokenIds({ prompt, draft, logprobs: tokenIdLogprobs([...prompt, ...draft]) });
    assert.equal(result.accepted, 2);
    assert.equal(result.nextTokenSource, "correction");
    assert.deepEqual(result.nextToken, { id: greedy[2], text: undefined });
  });

  test("the first drafted token rejected: nothing accepted, the correction is the verifier's first token", () => {
    const draft = [(greedy[0] + 1) % 100, greedy[1]];
    const result = acceptDraftTokenIds({ prompt, draft, logprobs: tokenIdLogprobs([...prompt, ...draft]) });
    assert.equal(result.accepted, 0);
    assert.deepEqual(result.nextToken, { id: greedy[0], text: undefined });
  });

  test("an empty draft (K = 0) returns the verifier's next token as the bonus", () => {
    const result = acceptDraftTokenIds({ prompt, draft: [], logprobs: tokenIdLogprobs(prompt) });
    assert.deepEqual([result.accepted, result.nextTokenSource, result.nextToken?.id], [0, "bonus", greedy[0]]);
  });

  test("no generated token after a fully accepted draft: nextToken is undefined", () => {
    const result = acceptDraftTokenIds({ prompt, draft: greedy, logprobs: tokenIdLogprobs([...prompt, ...greedy], toyNext, false) });
    assert.deepEqual([result.accepted, result.nextTokenSource, result.nextToken], [4, "none", undefined]);
  });

  test("the top-1 is the highest logprob, not the first key; ties go to the first listed", () => {
    assert.equal(topAlternative({ a: -2, b: -0.5, c: -1 }), "b");
    assert.equal(topAlternative({ a: -1, b: -1 }), "a");
    assert.equal(topAlternative(null), undefined);
    const logprobs = tokenIdLogprobs([...prompt, greedy[0]]);
    logprobs.top_logprobs[3] = { [`token_id:${greedy[0]}`]: -3, "token_id:77": -0.01 };
    const result = acceptDraftTokenIds({ prompt, draft: [greedy[0]], logprobs });
    assert.deepEqual([result.accepted, result.nextToken?.id], [0, 77]);
  });

  test("responses that do not line up with what was sent are VerifierResponseErrors with clear messages", () => {
    const ids = [...prompt, ...greedy];
    const misaligned = tokenIdLogprobs(ids);
    misaligned.top_logprobs.pop();
    assert.throws(() => acceptDraftTokenIds({ prompt, draft: greedy, logprobs: misaligned }), (e: Error) => e instanceof VerifierResponseError && /equal length/.test(e.message));

    const withBos = tokenIdLogprobs([1, ...ids]);
    assert.throws(() => acceptDraftTokenIds({ prompt, draft: greedy, logprobs: withBos }), /echoed tokens .* found 9/);

    const shifted = tokenIdLogprobs([9, ...ids.slice(1)]);
    assert.throws(() => acceptDraftTokenIds({ prompt, draft: greedy, logprobs: shifted }), /echoed token 0 to be "token_id:5".*found "token_id:9"/);

    const asText = tokenIdLogprobs(ids);
    asText.tokens = asText.tokens.map((t) => t.replace("token_id:", "tok"));
    assert.throws(() => acceptDraftTokenIds({ prompt, draft: greedy, logprobs: asText }), /token_id:5/);

    const noTop = tokenIdLogprobs(ids);
    noTop.top_logprobs[4] = null;
    assert.throws(() => acceptDraftTokenIds({ prompt, draft: greedy, logprobs: noTop }), /top_logprobs at draft position 4, found null/);

    const textKeys = tokenIdLogprobs(ids);
    textKeys.top_logprobs[3] = { foo: -0.1 };
    assert.throws(() => acceptDraftTokenIds({ prompt, draft: greedy, logprobs: textKeys }), /return_tokens_as_token_ids/);
  });
});

describe("text mode", () => {
  const promptText = "def add(a, b):\n";
  const echoed = [{ text: "def" }, { text: " add" }, { text: "(a" }, { text: ", b" }, { text: "):\n" }];

  test("all draft tokens accepted: acceptedText is the draft and the bonus is the generated text", () => {
    const draft = "    return a";
    const { logprobs, text } = textLogprobs([...echoed, { text: "    return" }, { text: " a" }], " +");
    const result = acceptDraftText({ prompt: promptText, draft, logprobs, choiceText: text });
    assert.deepEqual(result, { acceptedText: draft, acceptedTokens: 2, draftTokens: 2, nextText: " +", nextTextSource: "bonus", nextTextOverlap: 0, resync: false });
  });

  test("the first differing token ends acceptance and its top-1 is the correction", () => {
    const { logprobs, text } = textLogprobs([...echoed, { text: "    return" }, { text: " b", top: " a" }, { text: " +" }], " a");
    const result = acceptDraftText({ prompt: promptText, draft: "    return b +", logprobs, choiceText: text });
    assert.deepEqual(result, { acceptedText: "    return", acceptedTokens: 1, draftTokens: 3, nextText: " a", nextTextSource: "correction", nextTextOverlap: 0, resync: false });
  });

  test("nothing accepted when the first draft token differs", () => {
    const { logprobs, text } = textLogprobs([...echoed, { text: "  pass", top: "    return" }], "\n");
    const result = acceptDraftText({ prompt: promptText, draft: "  pass", logprobs, choiceText: text });
    assert.equal(result.acceptedText, "");
    assert.equal(result.nextText, "    return");
    assert.equal(result.nextTextSource, "correction");
  });

  test("a verifier token straddling the prompt/draft boundary is a mismatch that reports its overlap", () => {
    // The prompt ends in "ret", the draft is "urn a": the verifier tokenizes "    return" as one token.
    const { logprobs, text } = textLogprobs([...echoed, { text: "    return" }, { text: " a" }], "\n");
    const result = acceptDraftText({ prompt: `${promptText}    ret`, draft: "urn a", logprobs, choiceText: text });
    assert.deepEqual(result, { acceptedText: "", acceptedTokens: 0, draftTokens: 2, nextText: "    return", nextTextSource: "correction", nextTextOverlap: 7, resync: true });
  });

  test("offsets count code points, so text after an emoji is located correctly", () => {
    const { logprobs, text } = textLogprobs([{ text: "# 🙂" }, { text: " ok" }, { text: "\n" }, { text: "x", top: "y" }], "z");
    const result = acceptDraftText({ prompt: "# 🙂", draft: " ok\nx", logprobs, choiceText: text });
    assert.deepEqual([result.acceptedText, result.nextText, result.acceptedTokens], [" ok\n", "y", 2]);
  });

  test("an empty draft gives the generated text as the bonus", () => {
    const { logprobs, text } = textLogprobs(echoed, "    ");
    const result = acceptDraftText({ prompt: promptText, draft: "", logprobs, choiceText: text });
    assert.deepEqual([result.acceptedText, result.nextText, result.nextTextSource], ["", "    ", "bonus"]);
  });

  test("vLLM's offsets, short by text its detokenizer drops (a literal U+FFFD in the prompt), are counted back from the end", () => {
    // vLLM's text_offset sums its tokens' decoded lengths; the replacement character's three byte tokens decode to "".
    const tokens = [{ text: "#" }, { text: "" }, { text: "" }, { text: "" }, { text: " x\n" }, { text: "    return" }, { text: " b", top: " a" }];
    const { logprobs } = textLogprobs(tokens, " +");
    const prompt = "#\uFFFD x\n";
    const text = `${prompt}    return b +`;
    const result = acceptDraftText({ prompt, draft: "    return b", logprobs, choiceText: text });
    assert.deepEqual(result, { acceptedText: "    return", acceptedTokens: 1, draftTokens: 2, nextText: " a", nextTextSource: "correction", nextTextOverlap: 0, resync: false });
    const garbled = structuredClone(logprobs);
    garbled.tokens[5] = "    retur";
    assert.throws(() => acceptDraftText({ prompt, draft: "    return b", logprobs: garbled, choiceText: text }), /do not spell the draft either/);
  });

  test("a draft token the verifier decodes to part of a character ends acceptance without a correction: the caller asks again", () => {
    const { logprobs, text } = textLogprobs([...echoed, { text: "    s = " }, { text: "\uFFFD", top: "\uFFFD" }, { text: "\uFFFD" }], "\n");
    const result = acceptDraftText({ prompt: promptText, draft: "    s = \uFFFD\uFFFD", logprobs, choiceText: text });
    assert.deepEqual([result.acceptedText, result.acceptedTokens, result.resync], ["    s = ", 1, true]);
  });

  test("a correction spelled as a control token (end of text) is not taken as text: the caller asks again", () => {
    for (const spelling of ["<|endoftext|>", "</s>", "<｜end▁of▁sentence｜>", "<EOT>"]) {
      const { logprobs, text } = textLogprobs([...echoed, { text: "    return", top: spelling }], "\n");
      const result = acceptDraftText({ prompt: promptText, draft: "    return", logprobs, choiceText: text });
      assert.deepEqual([result.acceptedText, result.nextText, result.resync], ["", spelling, true], spelling);
    }
    const { logprobs, text } = textLogprobs([...echoed, { text: "    return", top: "<div>" }], "\n");
    assert.equal(acceptDraftText({ prompt: promptText, draft: "    return", logprobs, choiceText: text }).resync, false, "markup in code is text");
  });

  test("an echo that is not the prompt + draft, or offsets that go backwards, are rejected", () => {
    const { logprobs, text } = textLogprobs([...echoed, { text: "    return" }], " a");
    assert.throws(() => acceptDraftText({ prompt: promptText, draft: "    retur", logprobs, choiceText: `<s>${text}` }), VerifierResponseError);
    const shifted = structuredClone(logprobs);
    shifted.text_offset[shifted.text_offset.length - 1] += 2;
    // A wrong offset alone is survivable: the tokens, counted back from the end, still spell the draft.
    assert.equal(acceptDraftText({ prompt: promptText, draft: "    return", logprobs: shifted, choiceText: text }).acceptedText, "    return");
    const backwards = structuredClone(logprobs);
    backwards.text_offset[2] = 0;
    assert.throws(() => acceptDraftText({ prompt: promptText, draft: "    return", logprobs: backwards, choiceText: text }), /non-decreasing/);
  });
});
