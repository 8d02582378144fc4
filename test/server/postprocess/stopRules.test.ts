import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyStopRules, cursorContextOf, postprocessCompletion, stopModeOf, stopRulePredicate } from "../../../server/postprocess/stopRules.js";

/** The context at the `|` of a document. */
function at(document: string) {
  const [prefix = "", suffix = ""] = document.split("|");
  return cursorContextOf(prefix, suffix);
}

describe("stop rules", () => {
  it("chooses the mode from the cursor's surroundings", () => {
    assert.equal(stopModeOf(at("foo(|)")), "singleLine");
    assert.equal(stopModeOf(at("if (x) {|\n")), "block");
    assert.equal(stopModeOf(at("def f():\n    |\n")), "block");
    assert.equal(stopModeOf(at("const items = items.map((x) =>|")), "block");
    assert.equal(stopModeOf(at("const x = 1;|\nconst y = 2;")), "nextLine");
  });

  it("keeps one line when the cursor is inside a line with text after it", () => {
    assert.deepEqual(postprocessCompletion("a, b\nc", at("foo(|)")), { text: "a, b", stoppedBy: "lineEnd" });
  });

  it("drops a tail repeating the text after the cursor", () => {
    assert.equal(postprocessCompletion("a, b)", at("foo(|)")).text, "a, b");
    assert.equal(postprocessCompletion("a, b);", at("foo(|);")).text, "a, b");
  });

  it("keeps a block until it dedents, with its closing line", () => {
    const context = at("function f() {|");
    assert.deepEqual(postprocessCompletion("\n  return 1;\n}\n\nfunction g() {", context), { text: "\n  return 1;\n}", stoppedBy: "blockEnd" });
  });

  it("stops a block before a dedented line that is not a closer", () => {
    const context = at("def f():\n    |");
    assert.equal(postprocessCompletion("x = 1\n    return x\ndef g():\n", context).text, "x = 1\n    return x");
  });

  it("never repeats the first line of the suffix (the editor auto-closed the brace)", () => {
    const context = at("function f() {\n  |\n}\n");
    assert.deepEqual(postprocessCompletion("return 1;\n}\n", context), { text: "return 1;", stoppedBy: "repeatsSuffix" });
    // the line below the cursor, suggested again after accepting: nothing
    assert.equal(postprocessCompletion("\nconst y = 2;", at("const x = 1;|\nconst y = 2;")).text, "");
  });

  it("keeps up to the first non-blank line elsewhere", () => {
    assert.equal(postprocessCompletion("\nconst y = 2;\nconst z = 3;", at("const x = 1;|")).text, "\nconst y = 2;");
    assert.equal(postprocessCompletion(" 1;\nconst y = 2;", at("const x =|")).text, " 1;");
  });

  it("trims trailing whitespace and drops whitespace-only completions", () => {
    assert.equal(postprocessCompletion(" 1;   \n", at("const x =|")).text, " 1;");
    assert.equal(postprocessCompletion("   \n  ", at("const x = 1;|")).text, "");
  });

  it("judges only complete lines while generating, so it never takes a decision back", () => {
    const shouldStop = stopRulePredicate(at("function f() {|"));
    assert.equal(shouldStop("\n  return 1;\n}"), false); // "}" could still become "};" or "}, {"
    assert.equal(shouldStop("\n  return 1;\n}\n"), true);
    const line = stopRulePredicate(at("foo(|)"));
    assert.equal(line("a, b"), false);
    assert.equal(line("a, b\n"), true);
    assert.deepEqual(applyStopRules("a, b", at("foo(|)"), { final: false }), { text: "a, b", stoppedBy: null });
  });

  it("compares indentation with tabs as four columns", () => {
    const context = at("\tif (x) {|");
    assert.equal(postprocessCompletion("\n\t\tgo();\n\t}\n", context).text, "\n\t\tgo();\n\t}");
  });
  it("ends a line where a phrase in it repeats back to back, the way small models loop", () => {
    assert.deepEqual(postprocessCompletion(" The new 'a' is not not not not not", at("x = 1\n#|")), { text: " The new 'a' is not", stoppedBy: "repeatsItself" });
    assert.equal(postprocessCompletion(" the same the same", at("//|")).text, " the same");
    assert.equal(postprocessCompletion(" `self` is a ``_id` is a ``_id` is a ``` is", at("//|")).text, " `self` is a ``_id");
    // Punctuation alone said six times or more is a loop; numbers, one character and a few sayings are code.
    assert.equal(postprocessCompletion(' x = "skip" + " + " + " + " + " + " + " + " + " + "', at("def f():\n   |")).text, ' x = "skip" +');
    for (const code of [" [0, 0, 0, 0, 0, 0, 0, 0]", " 0x1, 0x1, 0x1", " '----------'", " '--------------------------------'", " really really good", " a.b + a.b", " [[], [], [], []]", " f()()()"]) {
      assert.equal(postprocessCompletion(code, at("x =|")).text, code);
    }
  });

  it("drops a line said again right after itself, the line above the cursor included", () => {
    const context = at("function f() {|");
    assert.deepEqual(postprocessCompletion("\n  x += 1;\n  x += 1;\n  return x;\n}", context), { text: "\n  x += 1;", stoppedBy: "repeatsItself" });
    assert.equal(postprocessCompletion("return x;", at("  return x;\n  |")).text, "");
    assert.equal(postprocessCompletion("  }", at("    }\n|")).text, "  }"); // another indentation: another line
  });

  it("cuts a repeated phrase only once its line is complete, so generation can stop there", () => {
    const shouldStop = stopRulePredicate(at("//|"));
    assert.equal(shouldStop(" the same the same"), false);
    assert.equal(shouldStop(" the same the same\n"), true);
  });
});
