import re,sys
def parse(path):
    lines=open(path,errors='replace').read().split('\n')
    out={}
    for i,l in enumerate(lines):
        m=re.match(r'^(?:not )?ok \d+ - (.*)$', l)
        if m:
            for j in range(i+1, min(i+6, len(lines))):
                d=re.match(r'^  duration_ms: ([\d.]+)', lines[j])
                if d: out[m.group(1)]=out.get(m.group(1),0)+float(d.group(1)); break
    total=None
    for l in lines:
        t=re.match(r'^# duration_ms ([\d.]+)', l)
        if t: total=float(t.group(1))
    return out,total
new,nt=parse(sys.argv[1]); old,ot=parse(sys.argv[2])
common=set(new)&set(old)
print(f"runner wall: new {nt/1000:.0f} s, old {ot/1000:.0f} s" if nt and ot else (nt,ot))
print(f"top-level tests: new {len(new)}, old {len(old)}, common {len(common)}")
print(f"sum of durations, common: new {sum(new[k] for k in common)/1000:.0f} s, old {sum(old[k] for k in common)/1000:.0f} s")
print(f"sum of durations, only new: {sum(v for k,v in new.items() if k not in old)/1000:.0f} s over {len(set(new)-set(old))}; only old: {sum(v for k,v in old.items() if k not in new)/1000:.0f} s over {len(set(old)-set(new))}")
diff=sorted(common, key=lambda k: new[k]-old[k])
print("largest slowdowns (common):"); [print(f"  {(new[k]-old[k])/1000:+.1f} s  {k[:90]}  ({old[k]/1000:.1f} → {new[k]/1000:.1f})") for k in diff[-8:][::-1]]
print("largest speedups (common):"); [print(f"  {(new[k]-old[k])/1000:+.1f} s  {k[:90]}") for k in diff[:5]]
print("biggest new-only:"); [print(f"  {v/1000:.1f} s  {k[:90]}") for k,v in sorted(((k,v) for k,v in new.items() if k not in old), key=lambda x:-x[1])[:8]]
